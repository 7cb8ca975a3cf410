#include "core/io/csv.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/io/atomic_file.h"
#include "core/io/column_names.h"
#include "core/status_macros.h"

namespace evgen {

absl::StatusOr<CsvReadOptions> ParseCsvReadOptions(const std::map<std::string, std::string>& options) {
  CsvReadOptions out;
  for (const auto& [key, value] : options) {
    const std::string v(absl::StripAsciiWhitespace(value));
    if (key == "weight_column") {
      out.weight_column = v;
      out.require_weight_column = !v.empty();
    } else if (key == "non_finite") {
      if (v != "refuse" && v != "keep") {
        return absl::InvalidArgumentError(
            absl::StrCat("option non_finite: '", value, "' is not one of refuse, keep"));
      }
      out.non_finite = v == "keep" ? NonFinite::kKeep : NonFinite::kRefuse;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown option '", key, "' for the csv format; known options: weight_column, non_finite"));
    }
  }
  return out;
}

absl::StatusOr<Table> ReadCsv(const std::string& path, CsvInfo* info) {
  return ReadCsv(path, CsvReadOptions(), info);
}

absl::StatusOr<Table> ReadCsv(const std::string& path, const CsvReadOptions& options, CsvInfo* info) {
  EVGEN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return ParseCsv(text, path, options, info);
}

absl::StatusOr<Table> ParseCsv(const std::string& text, const std::string& source, CsvInfo* info) {
  return ParseCsv(text, source, CsvReadOptions(), info);
}

namespace {

// TextCodes is the code table of all text columns of a file: a label's code
// is its index in order of first appearance, the same in every column (so
// "EB" is one code wherever it appears). Codes are looked up by hash: a
// linear search made n distinct labels cost n^2 / 2 comparisons, hours for an
// upload of a few hundred MB.
struct TextCodes {
  std::vector<std::string> labels;
  std::unordered_map<std::string, size_t> codes;
  float Code(absl::string_view label) {
    auto [it, added] = codes.try_emplace(std::string(label), labels.size());
    if (added) labels.emplace_back(label);
    return static_cast<float>(it->second);
  }
};

// IntegerColumn follows a numeric column while every field is an integer,
// keeping the exact values: identifiers above 2^24 (run and event numbers)
// would change in float32.
struct IntegerColumn {
  bool integral = true;
  int64_t max_abs = 0;
  std::vector<int64_t> values;
  void Add(absl::string_view field) {
    if (!integral) return;
    int64_t v = 0;
    if (field.empty() || !absl::SimpleAtoi(field, &v) || v == std::numeric_limits<int64_t>::min()) {
      integral = false;
      values.clear();
      values.shrink_to_fit();
      return;
    }
    max_abs = std::max(max_abs, v < 0 ? -v : v);
    values.push_back(v);
  }
  // exact: float32 would change some value.
  bool exact() const { return integral && max_abs > kFloat32ExactIntegers; }
  static constexpr int64_t kFloat32ExactIntegers = int64_t{1} << 24;
};

bool IsNumber(absl::string_view field, float* value) {
  if (field.empty()) {
    *value = std::numeric_limits<float>::quiet_NaN();
    return true;
  }
  return absl::SimpleAtof(field, value);
}

// CsvParser holds the state of one parse; each data line goes through Row.
class CsvParser {
 public:
  CsvParser(const std::string& source, const CsvReadOptions& options)
      : source_(source), options_(options) {}

  absl::Status Header(absl::string_view line, int64_t line_number);
  absl::Status Row(absl::string_view line, int64_t line_number);
  absl::StatusOr<Table> Finish(CsvInfo* info);
  bool has_header() const { return !columns_.empty(); }

 private:
  std::string At(int64_t line_number, size_t column) const {
    return absl::StrCat(source_, ":", line_number, ":", column + 1, ": column '", columns_[column], "'");
  }
  absl::Status Number(absl::string_view field, int64_t line_number, size_t column, float* v);

  const std::string& source_;
  const CsvReadOptions& options_;
  std::vector<std::string> columns_;
  std::vector<float> values_;
  // Which columns hold text is decided by the first data row.
  std::set<size_t> text_columns_;
  TextCodes codes_;
  std::map<size_t, IntegerColumn> integers_;  // the numeric columns
  bool first_row_ = true;
  int weight_ = -1;  // the weight column's index, -1 for none
  CsvInfo info_;
};

absl::Status CsvParser::Header(absl::string_view line, int64_t line_number) {
  for (absl::string_view f : absl::StrSplit(line, ',')) {
    absl::string_view name = absl::StripAsciiWhitespace(f);
    if (name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, ":", line_number, ": empty column name in header"));
    }
    if (weight_ < 0 && !options_.weight_column.empty() && name == options_.weight_column) {
      weight_ = static_cast<int>(columns_.size());
    }
    // Columns are found by name (typed columns, selections, the store), so a
    // name used twice would silently pick the first.
    if (std::find(columns_.begin(), columns_.end(), name) != columns_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(source_, ":", line_number, ": column '", name,
                                                     "' appears twice in the header; column names "
                                                     "must be unique"));
    }
    columns_.emplace_back(name);
  }
  // Empty and repeated names were named above with their line; this adds
  // the control characters (a tab inside a quoted-less name) of the rule.
  EVGEN_RETURN_IF_ERROR(CheckColumnNames(columns_, absl::StrCat(source_, ":", line_number, ": header column")));
  if (weight_ < 0 && options_.require_weight_column) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_, ":", line_number, ": weight_column: no column '", options_.weight_column,
        "'; the header has ", absl::StrJoin(columns_, ", ")));
  }
  if (weight_ >= 0 && columns_.size() == 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_, ":", line_number, ": '", columns_[0],
        "' is the only column; read as the weights it leaves no data (weight_column= keeps it)"));
  }
  return absl::OkStatus();
}

// Number parses a number field: NaN for an empty field, non-finite text
// refused unless options say keep, and never a non-finite weight.
absl::Status CsvParser::Number(absl::string_view field, int64_t line_number, size_t column, float* v) {
  if (!IsNumber(field, v)) {
    return absl::InvalidArgumentError(absl::StrCat(At(line_number, column), ": '", field,
                                                   "' is not a number"));
  }
  if (std::isfinite(*v)) return absl::OkStatus();
  if (static_cast<int>(column) == weight_) {
    return absl::InvalidArgumentError(absl::StrCat(
        At(line_number, column), ": '", field, "' is not a finite event weight"));
  }
  if (field.empty()) {
    ++info_.empty_fields;
    return absl::OkStatus();
  }
  if (options_.non_finite == NonFinite::kRefuse) {
    return absl::InvalidArgumentError(absl::StrCat(
        At(line_number, column), ": '", field,
        "' is not a finite float32 number; non_finite=keep keeps such values (counted in the "
        "read report)"));
  }
  ++info_.non_finite_values;
  return absl::OkStatus();
}

absl::Status CsvParser::Row(absl::string_view line, int64_t line_number) {
  std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
  if (fields.size() != columns_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(source_, ":", line_number, ": ", fields.size(),
                                                   " fields, header has ", columns_.size()));
  }
  for (size_t c = 0; c < fields.size(); ++c) {
    float v = 0;
    absl::string_view field = absl::StripAsciiWhitespace(fields[c]);
    if (first_row_ && !IsNumber(field, &v)) {
      if (static_cast<int>(c) == weight_) {
        return absl::InvalidArgumentError(absl::StrCat(At(line_number, c), ": '", field,
                                                       "' is not a number, and the column holds "
                                                       "the event weights"));
      }
      text_columns_.insert(c);
    }
    if (text_columns_.count(c) > 0) {
      // An empty field is a missing label, as it is a missing number.
      if (field.empty()) ++info_.empty_fields;
      values_.push_back(field.empty() ? std::numeric_limits<float>::quiet_NaN() : codes_.Code(field));
      continue;
    }
    EVGEN_RETURN_IF_ERROR(Number(field, line_number, c, &v));
    values_.push_back(v);
    if (static_cast<int>(c) != weight_) integers_[c].Add(field);
  }
  first_row_ = false;
  ++info_.rows;
  return absl::OkStatus();
}

absl::StatusOr<Table> CsvParser::Finish(CsvInfo* info) {
  if (values_.empty()) return absl::InvalidArgumentError(absl::StrCat(source_, ": header but no rows"));
  std::vector<std::string> names = columns_;
  EVGEN_ASSIGN_OR_RETURN(Table table, Table::Create(std::move(columns_), std::move(values_)));
  if (weight_ >= 0) {
    EVGEN_ASSIGN_OR_RETURN(table, TakeWeightColumn(std::move(table), names[weight_], source_));
  }
  for (auto& [c, integers] : integers_) {
    if (!integers.exact()) continue;
    absl::Status s = table.SetInt64Column(names[c], std::move(integers.values));
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(source_, ": ", s.message()));
    info_.int64_columns.push_back(names[c]);
  }
  if (!text_columns_.empty()) {
    std::vector<std::string> text_names;
    for (size_t c : text_columns_) text_names.push_back(names[c]);
    info_.category_labels = codes_.labels;
    absl::Status s = table.SetCategories(codes_.labels, text_names);
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(source_, ": ", s.message()));
    for (const std::string& name : text_names) info_.text_columns[name] = codes_.labels;
  }
  if (info != nullptr) *info = std::move(info_);
  return table;
}

}  // namespace

absl::StatusOr<Table> ParseCsv(const std::string& text, const std::string& source,
                               const CsvReadOptions& options, CsvInfo* info) {
  CsvParser parser(source, options);
  int64_t line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty()) continue;
    EVGEN_RETURN_IF_ERROR(parser.has_header() ? parser.Row(line, line_number)
                                              : parser.Header(line, line_number));
  }
  if (!parser.has_header()) return absl::InvalidArgumentError(absl::StrCat(source, ": empty file"));
  return parser.Finish(info);
}

void AddToReport(const CsvInfo& info, const Table& table, ReadReport* report) {
  report->events_in_file = info.rows;
  report->events_kept = table.num_rows();
  report->rows = table.num_rows();
  report->columns = table.num_columns();
  report->non_finite_values = info.empty_fields + info.non_finite_values;
  if (info.empty_fields > 0) {
    report->notes.push_back(absl::StrCat(info.empty_fields, " empty fields read as NaN (missing values)"));
  }
  if (info.non_finite_values > 0) {
    report->notes.push_back(absl::StrCat(info.non_finite_values,
                                         " NaN or infinite values kept (non_finite=keep)"));
  }
  if (!info.text_columns.empty()) {
    std::vector<std::string> names;
    for (const auto& [column, labels] : info.text_columns) names.push_back(column);
    report->notes.push_back(absl::StrCat("text columns ", absl::StrJoin(names, ", "),
                                         " stored as codes of one table of ",
                                         info.category_labels.size(),
                                         " labels, kept with the dataset"));
  }
  if (!info.int64_columns.empty()) {
    report->notes.push_back(absl::StrCat("integer columns ", absl::StrJoin(info.int64_columns, ", "),
                                         " hold values above 2^24, kept exactly"));
  }
}

void AppendCsvRows(const Table& table, std::string* out) {
  char buffer[32];
  auto append = [&](float v, char end) {
    std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(v));
    *out += buffer;
    out->push_back(end);
  };
  const bool weighted = table.has_weights();
  // Exact integer columns print their int64 values, categorical ones their
  // labels (a missing label, NaN, as an empty field).
  std::vector<const std::vector<int64_t>*> exact(table.num_columns(), nullptr);
  std::vector<bool> category(table.num_columns(), false);
  for (int c = 0; c < table.num_columns(); ++c) {
    exact[c] = table.int64_column(table.columns()[c]);
    category[c] = table.IsCategory(table.columns()[c]);
  }
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    for (int c = 0; c < table.num_columns(); ++c) {
      const char end = c + 1 == table.num_columns() && !weighted ? '\n' : ',';
      if (exact[c] != nullptr) {
        absl::StrAppend(out, (*exact[c])[r]);
        out->push_back(end);
      } else if (category[c]) {
        const float code = table.at(r, c);
        if (!std::isnan(code)) *out += table.category_labels()[static_cast<size_t>(code)];
        out->push_back(end);
      } else {
        append(table.at(r, c), end);
      }
    }
    if (weighted) append(table.weight(r), '\n');
  }
}

absl::Status WriteCsv(const std::string& path, const Table& table) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> columns,
                         FileColumns(table.columns(), table.has_weights(), path));
  std::string out = absl::StrCat(absl::StrJoin(columns, ","), "\n");
  AppendCsvRows(table, &out);
  return WriteFileAtomically(path, out);
}

}  // namespace evgen
