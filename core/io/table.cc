#include "core/io/table.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/checked_size.h"

namespace evgen {

Table::Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}

absl::StatusOr<Table> Table::Create(std::vector<std::string> columns, std::vector<float> values,
                                    std::vector<float> weights) {
  if (columns.empty()) {
    return absl::InvalidArgumentError("table: columns must not be empty");
  }
  if (values.size() % columns.size() != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("table: ", values.size(), " values do not fill rows of ", columns.size(),
                     " columns"));
  }
  Table table(std::move(columns));
  table.values_ = std::move(values);
  if (!weights.empty()) {
    absl::Status s = table.SetWeights(std::move(weights));
    if (!s.ok()) return s;
  }
  return table;
}

int64_t Table::num_rows() const {
  return columns_.empty() ? 0 : static_cast<int64_t>(values_.size() / columns_.size());
}

absl::StatusOr<int> Table::ColumnIndex(std::string_view name) const {
  auto it = std::find(columns_.begin(), columns_.end(), name);
  if (it == columns_.end()) {
    return absl::InvalidArgumentError(absl::StrCat("column '", std::string(name), "' not in table; columns are [",
                                                   absl::StrJoin(columns_, ", "), "]"));
  }
  return static_cast<int>(it - columns_.begin());
}

bool Table::HasColumn(std::string_view name) const {
  return std::find(columns_.begin(), columns_.end(), name) != columns_.end();
}

absl::Status Table::SetWeights(std::vector<float> weights) {
  if (static_cast<int64_t>(weights.size()) != num_rows()) {
    return absl::InvalidArgumentError(absl::StrCat("table: ", weights.size(), " weights for ",
                                                   num_rows(), " rows"));
  }
  weights_ = std::move(weights);
  return absl::OkStatus();
}

absl::Status Table::SetInt64Column(std::string_view name, std::vector<int64_t> values) {
  absl::StatusOr<int> column = ColumnIndex(name);
  if (!column.ok()) return column.status();
  if (static_cast<int64_t>(values.size()) != num_rows()) {
    return absl::InvalidArgumentError(absl::StrCat("table: ", values.size(), " exact values for ",
                                                   num_rows(), " rows of column '", std::string(name), "'"));
  }
  for (int64_t r = 0; r < num_rows(); ++r) at(r, *column) = static_cast<float>(values[r]);
  int64_[std::string(name)] = std::move(values);
  return absl::OkStatus();
}

const std::vector<int64_t>* Table::int64_column(std::string_view name) const {
  auto it = int64_.find(std::string(name));
  return it == int64_.end() ? nullptr : &it->second;
}

absl::Status Table::SetCategories(std::vector<std::string> labels, std::vector<std::string> columns) {
  const std::set<std::string> distinct(labels.begin(), labels.end());
  if (distinct.size() != labels.size()) {
    return absl::InvalidArgumentError("table: category labels must be distinct");
  }
  std::sort(columns.begin(), columns.end());
  for (const std::string& name : columns) {
    absl::StatusOr<int> column = ColumnIndex(name);
    if (!column.ok()) return column.status();
    for (int64_t r = 0; r < num_rows(); ++r) {
      const float code = at(r, *column);
      if (std::isnan(code)) continue;
      if (code < 0 || code >= static_cast<float>(labels.size()) || code != std::floor(code)) {
        return absl::InvalidArgumentError(absl::StrCat("table: column '", name, "' row ", r,
                                                       ": ", code, " is not a code of the ",
                                                       labels.size(), " category labels"));
      }
    }
  }
  labels_ = std::move(labels);
  category_columns_ = std::move(columns);
  return absl::OkStatus();
}

bool Table::IsCategory(std::string_view column) const {
  return std::binary_search(category_columns_.begin(), category_columns_.end(), column);
}

void Table::CopyTypesTo(const std::vector<int64_t>* rows, int64_t begin, int64_t end,
                        Table* out) const {
  for (const auto& [name, exact] : int64_) {
    if (!out->HasColumn(name)) continue;
    std::vector<int64_t>& copy = out->int64_[name];
    if (rows != nullptr) {
      copy.reserve(rows->size());
      for (int64_t r : *rows) copy.push_back(exact[r]);
    } else {
      copy.assign(exact.begin() + begin, exact.begin() + end);
    }
  }
  if (labels_.empty()) return;
  out->labels_ = labels_;
  for (const std::string& c : category_columns_) {
    if (out->HasColumn(c)) out->category_columns_.push_back(c);
  }
}

std::vector<float> Table::Column(int column) const {
  std::vector<float> out(num_rows());
  for (int64_t r = 0; r < num_rows(); ++r) out[r] = at(r, column);
  return out;
}

void Table::Reserve(int64_t rows) {
  absl::StatusOr<int64_t> values = CheckedMul(rows, num_columns(), "table: reserved values");
  if (values.ok() && static_cast<uint64_t>(*values) <= values_.max_size()) {
    values_.reserve(static_cast<size_t>(*values));
  }
}

void Table::AppendRow(std::initializer_list<float> values) { AppendRow(values.begin()); }

void Table::AppendRow(const float* values) {
  values_.insert(values_.end(), values, values + columns_.size());
}

absl::Status Table::AppendColumn(const std::string& name, const std::vector<float>& values) {
  if (HasColumn(name)) return absl::InvalidArgumentError(absl::StrCat("column '", name, "' exists already"));
  const int64_t rows = num_rows();
  // A table without columns has no rows to hold: it takes the values' count.
  if (!columns_.empty() && static_cast<int64_t>(values.size()) != rows) {
    return absl::InvalidArgumentError(
        absl::StrCat("column '", name, "': ", values.size(), " values for ", rows, " rows"));
  }
  const size_t width = columns_.size();
  std::vector<float> out;
  out.reserve(values.size() * (width + 1));
  for (size_t r = 0; r < values.size(); ++r) {
    out.insert(out.end(), values_.begin() + r * width, values_.begin() + (r + 1) * width);
    out.push_back(values[r]);
  }
  values_ = std::move(out);
  columns_.push_back(name);
  return absl::OkStatus();
}

absl::Status Table::Append(const Table& other) {
  if (other.columns_ != columns_) {
    return absl::InvalidArgumentError(absl::StrCat("table: cannot append columns [",
                                                   absl::StrJoin(other.columns_, ", "), "] to [",
                                                   absl::StrJoin(columns_, ", "), "]"));
  }
  if (has_weights() != other.has_weights() && num_rows() > 0) {
    return absl::InvalidArgumentError("table: cannot append weighted and unweighted rows");
  }
  if (other.num_rows() == 0) return absl::OkStatus();
  // An empty table takes the column types of the rows appended to it.
  if (num_rows() == 0) {
    labels_ = other.labels_;
    category_columns_ = other.category_columns_;
    int64_.clear();
    for (const auto& [name, exact] : other.int64_) int64_[name];
  }
  if (labels_ != other.labels_ || category_columns_ != other.category_columns_) {
    return absl::InvalidArgumentError("table: cannot append rows with other category labels");
  }
  if (int64_.size() != other.int64_.size() ||
      !std::equal(int64_.begin(), int64_.end(), other.int64_.begin(),
                  [](const auto& a, const auto& b) { return a.first == b.first; })) {
    return absl::InvalidArgumentError("table: cannot append rows with other exact integer columns");
  }
  values_.insert(values_.end(), other.values_.begin(), other.values_.end());
  weights_.insert(weights_.end(), other.weights_.begin(), other.weights_.end());
  for (auto& [name, exact] : int64_) {
    const std::vector<int64_t>& more = other.int64_.at(name);
    exact.insert(exact.end(), more.begin(), more.end());
  }
  return absl::OkStatus();
}

Table Table::SelectRows(const std::vector<int64_t>& rows) const {
  Table out(columns_);
  out.values_.reserve(rows.size() * columns_.size());
  for (int64_t r : rows) {
    out.AppendRow(row(r));
    if (has_weights()) out.weights_.push_back(weights_[r]);
  }
  CopyTypesTo(&rows, 0, 0, &out);
  return out;
}

Table Table::SliceRows(int64_t begin, int64_t end) const {
  Table out(columns_);
  end = std::min(end, num_rows());
  if (begin >= end) return out;
  out.values_.assign(values_.begin() + begin * num_columns(), values_.begin() + end * num_columns());
  if (has_weights()) out.weights_.assign(weights_.begin() + begin, weights_.begin() + end);
  CopyTypesTo(nullptr, begin, end, &out);
  return out;
}

absl::StatusOr<Table> Table::SelectColumns(const std::vector<std::string>& names) const {
  std::vector<int> index;
  for (const std::string& name : names) {
    absl::StatusOr<int> i = ColumnIndex(name);
    if (!i.ok()) return i.status();
    index.push_back(*i);
  }
  Table out(names);
  out.values_.reserve(num_rows() * names.size());
  for (int64_t r = 0; r < num_rows(); ++r) {
    for (int i : index) out.values_.push_back(at(r, i));
  }
  out.weights_ = weights_;
  CopyTypesTo(nullptr, 0, num_rows(), &out);
  return out;
}

absl::StatusOr<std::vector<std::string>> FileColumns(const std::vector<std::string>& columns,
                                                     bool weighted, const std::string& path) {
  if (!weighted) return columns;
  if (std::find(columns.begin(), columns.end(), kEventWeightColumn) != columns.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the table has weights and a column named '", kEventWeightColumn,
        "', which is where this format keeps the weights; rename that column"));
  }
  std::vector<std::string> out = columns;
  out.emplace_back(kEventWeightColumn);
  return out;
}

absl::StatusOr<Table> TakeWeightColumn(Table table, const std::string& name, const std::string& source) {
  if (table.has_weights()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": weight column '", name, "' given for a table that has weights"));
  }
  absl::StatusOr<int> index = table.ColumnIndex(name);
  if (!index.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": weight_column: ", index.status().message()));
  }
  if (table.num_columns() == 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": '", name, "' is the only column; as weights it would leave no data"));
  }
  const int w = *index;
  const int columns = table.num_columns();
  std::vector<float> weights(static_cast<size_t>(table.num_rows()));
  std::vector<float> values;
  values.reserve(table.values().size() - weights.size());
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    const float* row = table.row(r);
    if (!std::isfinite(row[w])) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": row ", r + 1, ": weight column '",
                                                     name, "' holds ", row[w],
                                                     "; event weights must be finite"));
    }
    weights[r] = row[w];
    values.insert(values.end(), row, row + w);
    values.insert(values.end(), row + w + 1, row + columns);
  }
  std::vector<std::string> names = table.columns();
  names.erase(names.begin() + w);
  return Table::Create(std::move(names), std::move(values), std::move(weights));
}

}  // namespace evgen
