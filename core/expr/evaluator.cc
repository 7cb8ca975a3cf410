#include "core/expr/evaluator.h"

#include <cmath>
#include <limits>

#include "core/util/stop_check.h"

namespace evgen::expr {
namespace {

// kStopCheckRows rows are evaluated between two looks at the stop check.
constexpr int64_t kStopCheckRows = 1 << 14;

double Truth(bool b) { return b ? 1.0 : 0.0; }

double Eval(const Node& node, const float* row);

double EvalBinary(const Node& node, const float* row) {
  // && and || short-circuit: the right side is not needed once the left decides.
  if (node.op == Op::kAnd) return Truth(Eval(*node.children[0], row) != 0 && Eval(*node.children[1], row) != 0);
  if (node.op == Op::kOr) return Truth(Eval(*node.children[0], row) != 0 || Eval(*node.children[1], row) != 0);
  const double a = Eval(*node.children[0], row);
  const double b = Eval(*node.children[1], row);
  switch (node.op) {
    case Op::kAdd: return a + b;
    case Op::kSubtract: return a - b;
    case Op::kMultiply: return a * b;
    case Op::kDivide: return a / b;
    case Op::kPower: return std::pow(a, b);
    case Op::kLess: return Truth(a < b);
    case Op::kLessEqual: return Truth(a <= b);
    case Op::kGreater: return Truth(a > b);
    case Op::kGreaterEqual: return Truth(a >= b);
    case Op::kEqual: return Truth(a == b);
    case Op::kNotEqual: return Truth(a != b);
    default: return std::numeric_limits<double>::quiet_NaN();
  }
}

double EvalCall(const Node& node, const float* row) {
  double args[kMaxArguments];
  const int n = static_cast<int>(node.children.size());
  for (int i = 0; i < n; ++i) args[i] = Eval(*node.children[i], row);
  return node.function->call(args, n);
}

double Eval(const Node& node, const float* row) {
  switch (node.kind) {
    case NodeKind::kNumber: return node.number;
    case NodeKind::kColumn: return row[node.column];
    case NodeKind::kUnary: {
      const double v = Eval(*node.children[0], row);
      return node.op == Op::kNegate ? -v : Truth(v == 0);
    }
    case NodeKind::kBinary: return EvalBinary(node, row);
    case NodeKind::kCall: return EvalCall(node, row);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

double Evaluate(const Expression& expression, const float* row) { return Eval(*expression.root, row); }

absl::StatusOr<std::vector<double>> EvaluateRows(const Expression& expression, const Table& table) {
  std::vector<double> values(static_cast<size_t>(table.num_rows()));
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    if (r % kStopCheckRows == 0 && StopRequested()) return CheckStop();
    values[static_cast<size_t>(r)] = Evaluate(expression, table.row(r));
  }
  return values;
}

float ToFloat32(double value) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (value > kMax) return std::numeric_limits<float>::infinity();
  if (value < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(value);
}

}  // namespace evgen::expr
