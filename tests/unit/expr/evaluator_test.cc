#include "core/expr/evaluator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/util/stop_check.h"

namespace evgen::expr {
namespace {

const std::vector<std::string> kColumns = {"a", "b"};
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

double At(const std::string& text, float a, float b) {
  auto e = Compile(text, kColumns);
  EXPECT_TRUE(e.ok()) << e.status();
  const float row[] = {a, b};
  return Evaluate(*e, row);
}

TEST(EvaluatorTest, FollowsIeeeForDivisionAndNaN) {
  EXPECT_EQ(At("a / b", 1, 0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(At("a / b", -1, 0), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(At("a / b", 0, 0)));
  EXPECT_TRUE(std::isnan(At("a + 1", kNaN, 0)));
  // A comparison with NaN is false, and so is its negation's comparison.
  EXPECT_EQ(At("a < 1", kNaN, 0), 0);
  EXPECT_EQ(At("a >= 1", kNaN, 0), 0);
  EXPECT_EQ(At("a != a", kNaN, 0), 1);
  EXPECT_EQ(At("a * b", kInf, 0) != At("a * b", kInf, 0), true);  // inf * 0 is NaN
}

TEST(EvaluatorTest, HugeValuesOverflowToInfinityInDoubleAndInFloat) {
  const float big = std::numeric_limits<float>::max();
  EXPECT_DOUBLE_EQ(At("a * b", big, 2), 2.0 * big);  // computed in double, no overflow yet
  EXPECT_TRUE(std::isinf(At("a ^ b", big, 100)));
  EXPECT_EQ(ToFloat32(2.0 * big), kInf);
  EXPECT_EQ(ToFloat32(-2.0 * big), -kInf);
  EXPECT_TRUE(std::isnan(ToFloat32(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(ToFloat32(1.5), 1.5f);
}

TEST(EvaluatorTest, LogicalOperatorsShortCircuit) {
  EXPECT_EQ(At("a > 0 && b / a > 1", 0, 5), 0);
  EXPECT_EQ(At("a == 0 || b / a > 1", 0, 5), 1);
}

TEST(EvaluatorTest, EvaluateRowsStopsWhenTheCallerGivesUp) {
  Table table({"a", "b"});
  for (int i = 0; i < 100000; ++i) table.AppendRow({static_cast<float>(i), 1.f});
  auto e = Compile("a + b", table.columns());
  ASSERT_TRUE(e.ok());
  auto values = EvaluateRows(*e, table);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ((*values)[99999], 100000);
  StopScope scope([] { return absl::CancelledError("gone"); });
  EXPECT_EQ(EvaluateRows(*e, table).status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace evgen::expr
