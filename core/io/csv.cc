#include "core/io/csv.h"

#include <cstdio>
#include <limits>
#include <map>
#include <unordered_map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"

namespace evgen {

absl::StatusOr<Table> ReadCsv(const std::string& path, CsvInfo* info) {
  EVGEN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return ParseCsv(text, path, info);
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

}  // namespace

absl::StatusOr<Table> ParseCsv(const std::string& text, const std::string& source, CsvInfo* info) {
  std::vector<std::string> columns;
  std::vector<float> values;
  // Which columns hold text is decided by the first data row.
  std::map<size_t, TextColumn> text_columns;
  bool first_row = true;
  int64_t line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty()) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    if (columns.empty()) {
      for (absl::string_view f : fields) {
        absl::string_view name = absl::StripAsciiWhitespace(f);
        if (name.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(source, ":", line_number, ": empty column name in header"));
        }
        columns.emplace_back(name);
      }
      continue;
    }
    if (fields.size() != columns.size()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", line_number, ": ", fields.size(),
                                                     " fields, header has ", columns.size()));
    }
    for (size_t c = 0; c < fields.size(); ++c) {
      float v = 0;
      absl::string_view field = absl::StripAsciiWhitespace(fields[c]);
      if (first_row && !IsNumber(field, &v)) text_columns[c];
      if (auto it = text_columns.find(c); it != text_columns.end()) {
        values.push_back(it->second.Code(field));
        continue;
      }
      if (!IsNumber(field, &v)) {
        return absl::InvalidArgumentError(absl::StrCat(source, ":", line_number, ": column '",
                                                       columns[c], "': '", field,
                                                       "' is not a number"));
      }
      values.push_back(v);
    }
    first_row = false;
  }
  if (columns.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": empty file, no header"));
  if (values.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": header but no rows"));
  if (info != nullptr) {
    info->text_columns.clear();
    for (auto& [c, text_column] : text_columns) info->text_columns[columns[c]] = std::move(text_column.labels);
  }
  return Table::Create(std::move(columns), std::move(values));
}

void AppendCsvRows(const Table& table, std::string* out) {
  char buffer[32];
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    for (int c = 0; c < table.num_columns(); ++c) {
      std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(table.at(r, c)));
      *out += buffer;
      out->push_back(c + 1 == table.num_columns() ? '\n' : ',');
    }
  }
}

absl::Status WriteCsv(const std::string& path, const Table& table) {
  std::string out = absl::StrCat(absl::StrJoin(table.columns(), ","), "\n");
  AppendCsvRows(table, &out);
  return WriteFileAtomically(path, out);
}

}  // namespace evgen
