// Sample plans of a set model (Model::samples_sets): n counts sets, chunks
// hold whole sets, and the plan knows the output's size and every chunk's
// first output row before producing them. ToySet stands in for the jet-cloud
// GAN: set s of stream `seed` has 1 + (hash(seed, s) mod 5) members, member
// i carries x = 10 s + i + c.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <string>

#include "core/models/model_family.h"
#include "core/models/model_registry.h"
#include "core/random/counter_rng.h"
#include "core/sampling/sample_plan.h"
#include "nlohmann/json.hpp"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

int64_t ToySize(uint64_t seed, int64_t set) {
  CounterRng rng(seed, static_cast<uint64_t>(set));
  return 1 + static_cast<int64_t>(rng.Uniform() * 5);
}

class ToySet final : public Model {
 public:
  explicit ToySet(bool conditional) {
    if (conditional) conditions_ = {"c"};
  }
  std::string kind() const override { return "toy-set"; }
  const std::vector<std::string>& condition_columns() const override { return conditions_; }
  const std::vector<std::string>& target_columns() const override { return targets_; }
  bool samples_sets() const override { return true; }
  int64_t max_set_size() const override { return 5; }
  absl::Status Fit(const Table&, const FitContext&) override { return absl::OkStatus(); }

  absl::StatusOr<std::vector<int64_t>> SetSizes(const Table& conditions, int64_t sets, uint64_t seed,
                                                int64_t first) const override {
    if (absl::Status s = CheckSampleArguments(*this, conditions, sets, first); !s.ok()) return s;
    std::vector<int64_t> sizes;
    for (int64_t s = first; s < first + sets; ++s) sizes.push_back(ToySize(seed, s));
    return sizes;
  }

  absl::StatusOr<Table> Sample(const Table& conditions, int64_t sets, uint64_t seed,
                               int64_t first) const override {
    if (absl::Status s = CheckSampleArguments(*this, conditions, sets, first); !s.ok()) return s;
    std::vector<std::string> columns = {"jet", "constituent", "x", "n_constituents"};
    columns.insert(columns.end(), conditions_.begin(), conditions_.end());
    Table out(columns);
    for (int64_t j = 0; j < sets; ++j) {
      const int64_t size = ToySize(seed, first + j);
      const float c = conditions_.empty() ? 0.f : conditions.at(j, *conditions.ColumnIndex("c"));
      for (int64_t i = 0; i < size; ++i) {
        std::vector<float> row = {static_cast<float>(first + j), static_cast<float>(i),
                                  static_cast<float>(10 * (first + j) + i) + c, static_cast<float>(size)};
        if (!conditions_.empty()) row.push_back(c);
        out.AppendRow(row.data());
      }
    }
    return out;
  }
  nlohmann::json Describe() const override { return nlohmann::json::object(); }
  absl::Status Save(const std::string& dir) const override {
    std::ofstream(dir + "/toy-set") << conditions_.size();
    return absl::OkStatus();
  }
  absl::Status Load(const std::string& dir) override {
    size_t conditional = 0;
    std::ifstream(dir + "/toy-set") >> conditional;
    conditions_.assign(conditional, "c");
    return absl::OkStatus();
  }

 private:
  std::vector<std::string> conditions_;
  std::vector<std::string> targets_ = {"x"};
};

class ToySetFamily final : public ModelFamily {
 public:
  std::string name() const override { return "toy-set"; }
  std::vector<std::string> kinds() const override { return {"toy-set"}; }
  absl::StatusOr<nlohmann::json> ResolveConfig(const std::string&, const nlohmann::json& config) const override {
    return config;
  }
  absl::StatusOr<std::unique_ptr<Model>> Create(const std::string&, const nlohmann::json& config) const override {
    return std::unique_ptr<Model>(std::make_unique<ToySet>(config.value("conditional", false)));
  }
};

const bool kRegistered = RegisterModelFamily(std::make_unique<ToySetFamily>());

class SetSamplePlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kRegistered);
    dir_ = ::evgen::testing::FreshDir("set-sample-plan");
    models_ = std::make_unique<ModelStore>(dir_ + "/models");
    datasets_ = std::make_unique<DatasetStore>(dir_ + "/datasets");
    ASSERT_TRUE(models_->Init().ok());
    ASSERT_TRUE(datasets_->Init().ok());
    for (bool conditional : {false, true}) {
      std::unique_ptr<Model> model = *CreateModel("toy-set", {{"conditional", conditional}});
      ModelRecord record;
      record.name = conditional ? "sets-c" : "sets";
      ASSERT_TRUE(models_->Put(record, *model, {}).ok());
    }
    // A long table: jet j has 2 + j % 3 rows, each repeating c = 0.5 j.
    Table jets({"jet", "constituent", "c"});
    for (int j = 0; j < 7; ++j) {
      for (int i = 0; i < 2 + j % 3; ++i) jets.AppendRow({static_cast<float>(j), static_cast<float>(i), 0.5f * j});
    }
    ASSERT_TRUE(datasets_->Put("long", jets, "test", 1).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::unique_ptr<ModelStore> models_;
  std::unique_ptr<DatasetStore> datasets_;
};

TEST_F(SetSamplePlanTest, ChunksOfWholeSetsKnowTheirOutputRows) {
  SampleSpec spec;
  spec.model = "sets";
  spec.n = 1000;
  spec.seed = 3;
  // Room for 40 rows of 4 columns: 8 sets of at most 5.
  spec.chunk_value_bytes = 40 * 4 * 4;
  absl::StatusOr<SamplePlan> plan = PlanSample(spec, *models_, *datasets_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->rows_per_chunk(), 8);
  int64_t expected_total = 0;
  for (int64_t s = 0; s < spec.n; ++s) expected_total += ToySize(spec.seed, s);
  EXPECT_EQ(plan->output_rows(), expected_total);
  absl::StatusOr<Table> all = plan->All();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->num_rows(), expected_total);
  Table joined(all->columns());
  for (int64_t b = 0; b < plan->n(); b += plan->rows_per_chunk()) {
    EXPECT_EQ(*plan->OutputRowsBefore(b), joined.num_rows()) << "set " << b;
    absl::StatusOr<Table> rows = plan->Rows(b, std::min(plan->n(), b + plan->rows_per_chunk()));
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_LE(rows->num_rows() * rows->num_columns() * 4, spec.chunk_value_bytes);
    ASSERT_TRUE(joined.Append(*rows).ok());
  }
  EXPECT_EQ(joined.values(), all->values());
  // Inside a chunk, too: set 13 starts after the members of sets 0..12.
  int64_t before13 = 0;
  for (int64_t s = 0; s < 13; ++s) before13 += ToySize(spec.seed, s);
  EXPECT_EQ(*plan->OutputRowsBefore(13), before13);
  EXPECT_EQ(*plan->OutputRowsBefore(spec.n), expected_total);
  EXPECT_EQ(plan->OutputRowsBefore(spec.n + 1).status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(SetSamplePlanTest, ALongDatasetGivesOneConditionsRowPerSet) {
  SampleSpec spec;
  spec.model = "sets-c";
  spec.n = 10;  // more than the 7 jets: taken in turn
  spec.seed = 1;
  spec.conditions_from = DatasetQuery{"long", "", {}, {}, 0};
  absl::StatusOr<SamplePlan> plan = PlanSample(spec, *models_, *datasets_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  absl::StatusOr<Table> all = plan->All();
  ASSERT_TRUE(all.ok()) << all.status();
  const int jet = *all->ColumnIndex("jet"), c = *all->ColumnIndex("c");
  for (int64_t r = 0; r < all->num_rows(); ++r) {
    const int64_t set = static_cast<int64_t>(all->at(r, jet));
    EXPECT_FLOAT_EQ(all->at(r, c), 0.5f * static_cast<float>(set % 7)) << "row " << r;
  }
}

TEST_F(SetSamplePlanTest, KeptColumnsAreRefusedWithTheReason) {
  SampleSpec spec;
  spec.model = "sets-c";
  spec.n = 5;
  spec.seed = 1;
  spec.conditions_from = DatasetQuery{"long", "", {}, {}, 0};
  spec.keep_columns = {"constituent"};
  absl::StatusOr<SamplePlan> plan = PlanSample(spec, *models_, *datasets_);
  ASSERT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("keep_columns"), std::string::npos) << plan.status();
}

TEST_F(SetSamplePlanTest, AModelOfRowsHasOneOutputRowPerRow) {
  // The default SetSizes of a model of rows is all ones.
  class Rows final : public Model {
   public:
    std::string kind() const override { return "rows"; }
    const std::vector<std::string>& condition_columns() const override { return none_; }
    const std::vector<std::string>& target_columns() const override { return none_; }
    absl::Status Fit(const Table&, const FitContext&) override { return absl::OkStatus(); }
    absl::StatusOr<Table> Sample(const Table&, int64_t, uint64_t, int64_t) const override { return Table(); }
    nlohmann::json Describe() const override { return {}; }
    absl::Status Save(const std::string&) const override { return absl::OkStatus(); }
    absl::Status Load(const std::string&) override { return absl::OkStatus(); }

   private:
    std::vector<std::string> none_;
  } rows;
  EXPECT_EQ(*rows.SetSizes(Table(), 3, 1, 0), (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(rows.SetSizes(Table(), -1, 1, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evgen
