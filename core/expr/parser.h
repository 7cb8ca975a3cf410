// parser.h: Compile, which turns an expression's text into a checked tree
// over a table's columns.
//
// Grammar, loosest binding first (C's precedence, with '^' added):
//   or        := and ('||' and)*
//   and       := compare ('&&' compare)*
//   compare   := sum [('<' | '<=' | '>' | '>=' | '==' | '!=') sum]   (no chains)
//   sum       := product (('+' | '-') product)*
//   product   := unary (('*' | '/') unary)*
//   unary     := ('-' | '+' | '!') unary | power
//   power     := primary ['^' unary]       (right-associative: -x^2 = -(x^2))
//   primary   := number | name | `any name` | function '(' [or (',' or)*] ')' | '(' or ')'
// Arithmetic, comparisons and function arguments take numbers; '&&', '||'
// and '!' take conditions. Trees deeper than kMaxDepth are refused, which
// bounds the recursion of parsing and evaluation.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(Expression e, Compile("Q1*Q2 < 0", table.columns()));
//   // e.root->type == ValueType::kCondition
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/expr/ast.h"

namespace evgen::expr {

inline constexpr int kMaxDepth = 64;

struct Expression {
  std::unique_ptr<Node> root;
};

// Compile parses `text` against `columns` (the names a column reference may
// use, in table order). InvalidArgument "column N: ..." (N the 1-based
// character where the problem starts) for a syntax error, an unknown column
// (listing the columns) or function (listing the functions), a wrong number
// of arguments (saying the expected count), an operator given the wrong type,
// or too deep a tree.
[[nodiscard]] absl::StatusOr<Expression> Compile(std::string_view text,
                                                 const std::vector<std::string>& columns);

}  // namespace evgen::expr
