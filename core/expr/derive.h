// derive.h: derived columns and row selections on a table, the use of the
// expression language by datasets, metric inputs and exports.
//
// A DeriveSpec appends columns computed from expressions, in order (each may
// use the columns before it, derived ones included), then keeps the rows on
// which `where` holds. Selected rows keep their event weights. Conditions
// stored as a column are 1 or 0.
//
// Example:
//   DeriveSpec spec;
//   spec.columns = {{"m_mumu", "mass(pt1,eta1,phi1,0.1057, pt2,eta2,phi2,0.1057)"}};
//   spec.where = "Q1*Q2 < 0";
//   EVGEN_ASSIGN_OR_RETURN(DeriveOutcome out, ApplyDerive(table, spec, ""));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

// kMaxDerivedColumns bounds the definitions of one request.
inline constexpr int kMaxDerivedColumns = 64;

struct ColumnDefinition {
  std::string name;        // 1-64 characters of [A-Za-z0-9_.-], not a column the table has
  std::string expression;  // a number-valued (or condition-valued) expression
};

struct DeriveSpec {
  std::vector<ColumnDefinition> columns;
  std::string where;  // a condition; empty keeps every row

  bool empty() const { return columns.empty() && where.empty(); }
};

struct DeriveOutcome {
  Table table;
  int64_t rows_before = 0;  // rows of the input
};

// ApplyDerive computes `spec` on `table`. `field` prefixes every message's
// request field ("" for none, e.g. "reference.dataset"). InvalidArgument for a
// bad name, a name the table already has (redefining is refused), an
// expression that does not compile (the message quotes it and says the
// column of the problem), a `where` that is a number rather than a
// condition, or a `where` that keeps no row; the stop check's status when the
// caller gave up.
[[nodiscard]] absl::StatusOr<DeriveOutcome> ApplyDerive(const Table& table, const DeriveSpec& spec,
                                                        std::string_view field);

// DescribeDerive is the spec as provenance text:
// "m_mumu = mass(...); where Q1*Q2 < 0" ("" for an empty spec).
std::string DescribeDerive(const DeriveSpec& spec);

}  // namespace evgen
