// ast.h: Node, the checked syntax tree of an expression. The parser builds
// it with every column name already resolved to its index in the table and
// every node's type known, so evaluation cannot meet an unknown name or a
// type error.
#pragma once

#include <memory>
#include <vector>

#include "core/expr/functions.h"

namespace evgen::expr {

// ValueType: a number, or a condition (true/false) from a comparison or a
// logical operator. Conditions are 1.0 / 0.0 where a number is needed to
// store them as a column.
enum class ValueType { kNumber, kCondition };

enum class NodeKind { kNumber, kColumn, kUnary, kBinary, kCall };

enum class Op {
  kNone,
  kNegate, kNot,                          // unary
  kAdd, kSubtract, kMultiply, kDivide, kPower,  // numbers -> number
  kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual,  // numbers -> condition
  kAnd, kOr,                              // conditions -> condition
};

struct Node {
  NodeKind kind = NodeKind::kNumber;
  ValueType type = ValueType::kNumber;
  Op op = Op::kNone;
  double number = 0;                  // kNumber
  int column = -1;                    // kColumn: index into the table's columns
  const Function* function = nullptr;  // kCall
  std::vector<std::unique_ptr<Node>> children;  // operands or arguments
  int depth = 1;  // levels of this subtree (a leaf is 1)
};

}  // namespace evgen::expr
