// table.h: Table, evgen's in-memory event table.
//
// A Table is a dense row-major float32 matrix with named columns and optional
// per-row event weights. Rows are events (or jets), columns are features. The
// layout is the one that travels on the wire (little-endian float32,
// row-major) and the one LibTorch can view without a copy, so a Table moves
// between files, the network and tensors without reshuffling.
//
// Threading: a Table is a value type; concurrent const access is safe.
//
// Example:
//   Table t({"pt_gev", "mass_gev"});
//   t.AppendRow({450.f, 61.2f});
//   EVGEN_ASSIGN_OR_RETURN(int mass, t.ColumnIndex("mass_gev"));
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace evgen {

class Table {
 public:
  Table() = default;
  explicit Table(std::vector<std::string> columns);

  // Create validates that values.size() is a multiple of the column count and
  // that weights, when given, hold one entry per row.
  [[nodiscard]] static absl::StatusOr<Table> Create(std::vector<std::string> columns,
                                                    std::vector<float> values,
                                                    std::vector<float> weights = {});

  int64_t num_rows() const;
  int num_columns() const { return static_cast<int>(columns_.size()); }
  const std::vector<std::string>& columns() const { return columns_; }
  bool empty() const { return values_.empty(); }

  // ColumnIndex returns the index of `name`, or InvalidArgument naming the
  // column and listing the ones the table has.
  [[nodiscard]] absl::StatusOr<int> ColumnIndex(std::string_view name) const;
  bool HasColumn(std::string_view name) const;

  float at(int64_t row, int column) const { return values_[row * num_columns() + column]; }
  float& at(int64_t row, int column) { return values_[row * num_columns() + column]; }
  const float* row(int64_t r) const { return values_.data() + r * num_columns(); }
  const std::vector<float>& values() const { return values_; }
  std::vector<float>& mutable_values() { return values_; }

  bool has_weights() const { return !weights_.empty(); }
  const std::vector<float>& weights() const { return weights_; }
  // weight returns the event weight of `row`, 1 for unweighted tables.
  float weight(int64_t row) const { return weights_.empty() ? 1.f : weights_[row]; }
  [[nodiscard]] absl::Status SetWeights(std::vector<float> weights);
  // ClearWeights makes the table unweighted (every row weight 1).
  void ClearWeights() { weights_.clear(); }

  // Exact integer columns. Run and event numbers and other identifiers above
  // 2^24 change in float32, so such a column also keeps its exact int64
  // values; values() holds their float32 approximations, which is what
  // models and metrics see. Rows added by AppendRow are not covered: set the
  // exact values once the rows are in.
  [[nodiscard]] absl::Status SetInt64Column(std::string_view name, std::vector<int64_t> values);
  // int64_column returns the exact values of `name`, nullptr when it has none.
  const std::vector<int64_t>* int64_column(std::string_view name) const;
  const std::map<std::string, std::vector<int64_t>>& int64_columns() const { return int64_; }

  // Categorical columns hold codes into one code table for the whole table
  // (so a label has the same code in every column), kept with the labels so
  // that text is restored on export. NaN marks a missing label.
  [[nodiscard]] absl::Status SetCategories(std::vector<std::string> labels,
                                           std::vector<std::string> columns);
  const std::vector<std::string>& category_labels() const { return labels_; }
  const std::vector<std::string>& category_columns() const { return category_columns_; }
  bool IsCategory(std::string_view column) const;

  std::vector<float> Column(int column) const;
  void AppendRow(std::initializer_list<float> values);
  void AppendRow(const float* values);
  // Reserve is a hint and never fails: a negative row count, or one whose
  // value count overflows, reserves nothing. Callers with a row count from
  // input bound it first (StreamingTableWriter::Open does).
  void Reserve(int64_t rows);

  // AppendColumn adds `name` as the last column, one value per row, keeping
  // the weights, exact integer columns and categories. InvalidArgument when
  // the table has the column already or the row counts differ.
  [[nodiscard]] absl::Status AppendColumn(const std::string& name, const std::vector<float>& values);
  // Append adds other's rows; its columns must equal this table's.
  [[nodiscard]] absl::Status Append(const Table& other);
  Table SelectRows(const std::vector<int64_t>& rows) const;
  Table SliceRows(int64_t begin, int64_t end) const;
  [[nodiscard]] absl::StatusOr<Table> SelectColumns(const std::vector<std::string>& names) const;

 private:
  // CopyTypesTo gives `out` (rows `rows` of this table, columns `names`)
  // the exact columns and categories among `names`.
  void CopyTypesTo(const std::vector<int64_t>* rows, int64_t begin, int64_t end, Table* out) const;

  std::vector<std::string> columns_;
  std::vector<float> values_;
  std::vector<float> weights_;
  std::map<std::string, std::vector<int64_t>> int64_;
  std::vector<std::string> labels_;
  std::vector<std::string> category_columns_;  // sorted
};

// kEventWeightColumn names the column that carries a table's weights in the
// formats that have no other place for them (CSV, NPY): writers add it as the
// last column of a weighted table, readers take it back as the weights.
inline constexpr char kEventWeightColumn[] = "event_weight";

// FileColumns returns the columns a CSV or NPY file of `columns` holds: the
// same, plus kEventWeightColumn last when `weighted`. A weighted table that
// already has a column of that name is InvalidArgument naming `path`, since
// the file could not tell the two apart.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> FileColumns(
    const std::vector<std::string>& columns, bool weighted, const std::string& path);

// TakeWeightColumn moves the column `name` of `table` into its weights.
// Every weight must be finite: InvalidArgument names `source`, the row
// (counted from 1) and the value otherwise; so is a table that has weights
// already or lacks the column (the message lists its columns).
[[nodiscard]] absl::StatusOr<Table> TakeWeightColumn(Table table, const std::string& name,
                                                     const std::string& source);

}  // namespace evgen
