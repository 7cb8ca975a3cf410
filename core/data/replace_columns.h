// replace_columns.h: the table surgery of the transforms that change
// variables across several columns at once (ttbar-decay-chain,
// dilepton-kinematics): FindColumnsToReplace, ReplaceColumns (some columns
// go, new ones come in their place, every other column and the weights stay
// as they were) and KeepInRange (their "out_of_range": clamp or refuse).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/io/table.h"
#include "core/status_macros.h"

namespace evgen {

// FindColumnsToReplace returns the indices of `wanted` in `table`, and
// refuses a table that already has one of `made` (the columns the map
// would write); errors are InvalidArgument naming transform `kind`.
inline absl::StatusOr<std::vector<int>> FindColumnsToReplace(const Table& table,
                                                             const std::vector<std::string>& wanted,
                                                             const std::vector<std::string>& made,
                                                             const std::string& kind) {
  for (const std::string& c : made) {
    if (table.HasColumn(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("transform ", kind, ": column '", c, "' is a column of the table already"));
    }
  }
  std::vector<int> idx;
  for (const std::string& c : wanted) {
    absl::StatusOr<int> i = table.ColumnIndex(c);
    if (!i.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("transform ", kind, ": ", i.status().message()));
    idx.push_back(*i);
  }
  return idx;
}

// KeepInRange leaves `value` (column `column`, row `row`) if it lies in
// [low, high]; otherwise clamps it there (`clamp`) or refuses it, naming
// transform `kind`, the column and the row.
inline absl::Status KeepInRange(double& value, double low, double high, bool clamp,
                                const std::string& kind, const std::string& column, int64_t row) {
  if (value >= low && value <= high) return absl::OkStatus();
  if (clamp) {
    value = std::clamp(value, low, high);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("transform ", kind, ": column '", column, "' row ",
                                                 row, ": ", value, " is outside [", low, ", ", high,
                                                 "] (out_of_range: \"refuse\")"));
}

// ReplaceColumns copies `table` with the columns `from` (indices) removed
// and `names` inserted at the place of the first of them; `fill(row, out)`
// writes row's values of `names` into out[0 .. names.size()) or returns the
// error that stops the copy.
template <typename Fill>
absl::StatusOr<Table> ReplaceColumns(const Table& table, const std::vector<int>& from,
                                     const std::vector<std::string>& names, const Fill& fill) {
  std::vector<bool> removed(table.num_columns(), false);
  for (int c : from) removed[c] = true;
  const int first = *std::min_element(from.begin(), from.end());
  std::vector<std::string> columns;
  std::vector<int> source;  // a column of `table`, or -1 - k for names[k]
  for (int c = 0; c < table.num_columns(); ++c) {
    if (c == first) {
      for (size_t k = 0; k < names.size(); ++k) {
        columns.push_back(names[k]);
        source.push_back(-1 - static_cast<int>(k));
      }
    }
    if (!removed[c]) {
      columns.push_back(table.columns()[c]);
      source.push_back(c);
    }
  }
  Table out(columns);
  out.Reserve(table.num_rows());
  std::vector<double> values(names.size());
  std::vector<float> row(columns.size());
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    EVGEN_RETURN_IF_ERROR(fill(r, values.data()));
    for (size_t k = 0; k < source.size(); ++k) {
      row[k] = source[k] >= 0 ? table.at(r, source[k]) : static_cast<float>(values[-1 - source[k]]);
    }
    out.AppendRow(row.data());
  }
  if (table.has_weights()) EVGEN_RETURN_IF_ERROR(out.SetWeights(table.weights()));
  return out;
}

}  // namespace evgen
