#include "core/io/csv.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <unordered_map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/io/atomic_file.h"
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

// TextColumn holds the labels of a text column in order of first appearance;
// a label's code is its index. Codes are looked up by hash: a linear search
// made a column of n distinct labels cost n^2 / 2 comparisons, hours for an
// upload of a few hundred MB.
struct TextColumn {
  std::vector<std::string> labels;
  std::unordered_map<std::string, size_t> codes;
  float Code(absl::string_view label) {
    auto [it, added] = codes.try_emplace(std::string(label), labels.size());
    if (added) labels.emplace_back(label);
    return static_cast<float>(it->second);
  }
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
  std::map<size_t, TextColumn> text_columns_;
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
    columns_.emplace_back(name);
  }
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
      text_columns_[c];
    }
    if (auto it = text_columns_.find(c); it != text_columns_.end()) {
      values_.push_back(it->second.Code(field));
      continue;
    }
    EVGEN_RETURN_IF_ERROR(Number(field, line_number, c, &v));
    values_.push_back(v);
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
  if (info != nullptr) {
    *info = std::move(info_);
    for (auto& [c, text_column] : text_columns_) info->text_columns[names[c]] = std::move(text_column.labels);
  }
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
  for (const auto& [column, labels] : info.text_columns) {
    report->notes.push_back(absl::StrCat("text column '", column, "' stored as codes 0..",
                                         labels.size() - 1, " of its ", labels.size(), " labels"));
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
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    for (int c = 0; c < table.num_columns(); ++c) {
      append(table.at(r, c), c + 1 == table.num_columns() && !weighted ? '\n' : ',');
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
