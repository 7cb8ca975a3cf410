#include "core/expr/derive.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/expr/evaluator.h"
#include "core/expr/parser.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

// kQuotedChars bounds how much of an expression a message repeats.
constexpr size_t kQuotedChars = 200;

std::string Quote(std::string_view text) {
  if (text.size() <= kQuotedChars) return absl::StrCat("'", std::string(text), "'");
  return absl::StrCat("'", std::string(text.substr(0, kQuotedChars)), "...' (", text.size(), " characters)");
}

std::string Field(std::string_view field, std::string_view name) {
  return field.empty() ? std::string(name) : absl::StrCat(std::string(field), ".", std::string(name));
}

// Annotate prefixes a compile error with where the expression came from.
absl::Status Annotate(const absl::Status& status, std::string_view what, std::string_view text) {
  return absl::Status(status.code(), absl::StrCat(std::string(what), " ", Quote(text), ": ", status.message()));
}

absl::Status CheckNewName(const std::string& name, const std::vector<std::string>& columns,
                          const std::string& what) {
  const bool valid_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
  if (name.empty() || name.size() > 64 || !valid_chars) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the name ", Quote(name),
                                                   " must be 1-64 characters of [A-Za-z0-9_.-]"));
  }
  if (std::find(columns.begin(), columns.end(), name) != columns.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": the table already has a column '", name,
        "'; derived columns are new columns (redefining one is refused), so choose another name"));
  }
  return absl::OkStatus();
}

// Widen returns `table` with `extra` NaN-filled columns appended; weights,
// exact int64 columns and categories are kept.
absl::StatusOr<Table> Widen(const Table& table, const std::vector<std::string>& extra) {
  if (extra.empty()) return table;
  std::vector<std::string> columns = table.columns();
  columns.insert(columns.end(), extra.begin(), extra.end());
  const size_t old_width = static_cast<size_t>(table.num_columns());
  const size_t width = columns.size();
  std::vector<float> values(static_cast<size_t>(table.num_rows()) * width,
                            std::numeric_limits<float>::quiet_NaN());
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    std::copy(table.row(r), table.row(r) + old_width, values.begin() + static_cast<ptrdiff_t>(r * width));
  }
  EVGEN_ASSIGN_OR_RETURN(Table wide, Table::Create(std::move(columns), std::move(values), table.weights()));
  for (const auto& [name, exact] : table.int64_columns()) EVGEN_RETURN_IF_ERROR(wide.SetInt64Column(name, exact));
  if (!table.category_columns().empty()) {
    EVGEN_RETURN_IF_ERROR(wide.SetCategories(table.category_labels(), table.category_columns()));
  }
  return wide;
}

// AddColumns fills the new columns of `table` (the last spec.columns.size()),
// each compiled against the columns before it.
absl::Status AddColumns(Table& table, const DeriveSpec& spec, std::string_view field) {
  const int first_new = table.num_columns() - static_cast<int>(spec.columns.size());
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const ColumnDefinition& def = spec.columns[i];
    const int target = first_new + static_cast<int>(i);
    const std::vector<std::string> visible(table.columns().begin(), table.columns().begin() + target);
    absl::StatusOr<expr::Expression> compiled = expr::Compile(def.expression, visible);
    if (!compiled.ok()) {
      return Annotate(compiled.status(), absl::StrCat(Field(field, "columns"), "[", i, "] ", def.name, " ="),
                      def.expression);
    }
    EVGEN_ASSIGN_OR_RETURN(std::vector<double> values, expr::EvaluateRows(*compiled, table));
    for (int64_t r = 0; r < table.num_rows(); ++r) table.at(r, target) = expr::ToFloat32(values[r]);
  }
  return absl::OkStatus();
}

// SelectWhere keeps the rows of `table` on which spec.where holds.
absl::StatusOr<Table> SelectWhere(const Table& table, const std::string& where, std::string_view field) {
  const std::string what = Field(field, "where");
  absl::StatusOr<expr::Expression> compiled = expr::Compile(where, table.columns());
  if (!compiled.ok()) return Annotate(compiled.status(), what, where);
  if (compiled->root->type != expr::ValueType::kCondition) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " ", Quote(where), ": is a number, not a condition; a selection compares, e.g. ",
        Quote(absl::StrCat(where, " > 0"))));
  }
  EVGEN_ASSIGN_OR_RETURN(std::vector<double> pass, expr::EvaluateRows(*compiled, table));
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    if (pass[r] != 0) rows.push_back(r);
  }
  if (rows.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", Quote(where), ": keeps none of the ", table.num_rows(), " rows"));
  }
  return table.SelectRows(rows);
}

}  // namespace

absl::StatusOr<DeriveOutcome> ApplyDerive(const Table& table, const DeriveSpec& spec, std::string_view field) {
  if (static_cast<int>(spec.columns.size()) > kMaxDerivedColumns) {
    return absl::InvalidArgumentError(absl::StrCat(Field(field, "columns"), ": ", spec.columns.size(),
                                                   " definitions; at most ", kMaxDerivedColumns));
  }
  std::vector<std::string> names = table.columns();
  std::vector<std::string> extra;
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const std::string& name = spec.columns[i].name;
    EVGEN_RETURN_IF_ERROR(CheckNewName(name, names, absl::StrCat(Field(field, "columns"), "[", i, "]")));
    names.push_back(name);
    extra.push_back(name);
  }
  DeriveOutcome out;
  out.rows_before = table.num_rows();
  EVGEN_ASSIGN_OR_RETURN(out.table, Widen(table, extra));
  EVGEN_RETURN_IF_ERROR(AddColumns(out.table, spec, field));
  if (!spec.where.empty()) {
    EVGEN_ASSIGN_OR_RETURN(out.table, SelectWhere(out.table, spec.where, field));
  }
  return out;
}

std::string DescribeDerive(const DeriveSpec& spec) {
  std::vector<std::string> parts;
  for (const ColumnDefinition& def : spec.columns) parts.push_back(absl::StrCat(def.name, " = ", def.expression));
  if (!spec.where.empty()) parts.push_back(absl::StrCat("where ", spec.where));
  return absl::StrJoin(parts, "; ");
}

}  // namespace evgen
