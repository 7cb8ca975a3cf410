#include "core/sampling/sample_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/util/stop_check.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

// RowModel dresses each conditions row x with y = x + first_row + row: a
// pure function of the absolute row, as the Model contract asks.
class RowModel final : public Model {
 public:
  std::string kind() const override { return "row"; }
  const std::vector<std::string>& condition_columns() const override { return conditions_; }
  const std::vector<std::string>& target_columns() const override { return targets_; }
  std::vector<ConditionRange> condition_ranges() const override { return {{0.0, 10.0}}; }
  absl::Status Fit(const Table&, const FitContext&) override { return absl::OkStatus(); }
  absl::StatusOr<Table> Sample(const Table& conditions, int64_t rows, uint64_t,
                               int64_t first_row) const override {
    Table out({"x", "y"});
    for (int64_t r = 0; r < rows; ++r) {
      out.AppendRow({conditions.at(r, 0), conditions.at(r, 0) + static_cast<float>(first_row + r)});
    }
    return out;
  }
  nlohmann::json Describe() const override { return nlohmann::json::object(); }
  absl::Status Save(const std::string&) const override { return absl::OkStatus(); }
  absl::Status Load(const std::string&) override { return absl::OkStatus(); }

 private:
  std::vector<std::string> conditions_ = {"x"};
  std::vector<std::string> targets_ = {"y"};
};

Table Conditions(std::initializer_list<float> xs) {
  Table t({"x"});
  for (float x : xs) t.AppendRow({x});
  return t;
}

TEST(SampleAllTest, EqualsOneSliceAcrossBlockBoundaries) {
  RowModel model;
  const Table conditions = Conditions({1, 2, 3});
  const int64_t n = 150000;  // more than two internal blocks
  absl::StatusOr<Table> all = SampleAll(model, conditions, n, 7);
  absl::StatusOr<Table> one = SampleRows(model, conditions, 0, n, 7);
  ASSERT_TRUE(all.ok() && one.ok());
  EXPECT_EQ(all->columns(), one->columns());
  EXPECT_EQ(all->values(), one->values());
}

TEST(SampleAllTest, StopsWhenTheCallerGaveUp) {
  RowModel model;
  StopScope scope([] { return absl::DeadlineExceededError("deadline passed"); });
  EXPECT_EQ(SampleAll(model, Conditions({1}), 1000, 7).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(CheckConditionValuesTest, RefusesNonFiniteValuesNamingColumnAndRow) {
  RowModel model;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
    absl::StatusOr<ConditionReport> report =
        CheckConditionValues(model, Conditions({1, bad}), 4, false, "conditions_table");
    EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(report.status().message().find("conditions_table: column 'x' row 1 is "), std::string::npos)
        << report.status();
  }
}

TEST(CheckConditionValuesTest, CountsOutOfRangeRowsOfTheWholeCyclicSample) {
  RowModel model;
  const Table conditions = Conditions({5, 11, -1});  // rows 1 and 2 outside [0, 10]
  // n = 7 takes conditions rows 0,1,2,0,1,2,0: four flagged.
  absl::StatusOr<ConditionReport> report = CheckConditionValues(model, conditions, 7, false, "c");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->out_of_range_rows, 4);
  EXPECT_EQ(report->first_out_of_range, "column 'x' row 1: 11 outside the training range [0, 10]");
  report = CheckConditionValues(model, conditions, 2, false, "c");
  EXPECT_EQ(report->out_of_range_rows, 1);
  report = CheckConditionValues(model, conditions, 7, true, "c");
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(report.status().message().find("refuse_out_of_range"), std::string::npos);
  report = CheckConditionValues(model, Conditions({0, 10}), 7, true, "c");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->out_of_range_rows, 0) << "the range's ends are inside";
}

}  // namespace
}  // namespace evgen
