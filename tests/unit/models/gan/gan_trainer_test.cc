// Tests of GanTrainer through GanModel::Fit: a run interrupted and resumed
// from its checkpoint ends with exactly the parameters of an uninterrupted
// run (for every kind, so dropout, penalties, clipping, circle layers and
// MMD terms all draw their randomness from the step's seed), cancellation
// stops within a step, and early stopping works.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/models/model_registry.h"
#include "core/physics/reference_simulators.h"
#include "core/random/counter_rng.h"
#include "nlohmann/json.hpp"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using nlohmann::json;

Table ToyTable(int64_t rows) {
  Table t({"c", "y1", "y2"});
  for (int64_t r = 0; r < rows; ++r) {
    CounterRng rng(5, r);
    const double c = rng.Normal();
    t.AppendRow({float(c), float(c + rng.Normal()), float(std::exp(0.3 * rng.Normal()))});
  }
  return t;
}

json ToyConfig() {
  return {{"condition_columns", {"c"}}, {"target_columns", {"y1", "y2"}},
          {"generator", {{"hidden", {16, 16}}, {"dropout", 0.2}}},
          {"discriminator", {{"hidden", {16}}}},
          {"noise", {{"kind", "skew-normal"}, {"alpha", 2}, {"dim", 3}}},
          {"batch_size", 64}, {"steps", 40}, {"checkpoint_every", 15}, {"n_critic", 2},
          {"validation", {{"every", 10}}}};
}

// Generated is the fitted model's sample, the fingerprint of its parameters.
std::vector<float> Generated(const Model& model, const Table& conditions = ToyTable(200)) {
  auto s = model.SampleFor(conditions, 1, 0);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? s->values() : std::vector<float>{};
}

// UnconditionalRows is the conditions table of an unconditional model.
Table UnconditionalRows(int rows) {
  Table t(std::vector<std::string>{"row"});
  for (int i = 0; i < rows; ++i) t.AppendRow({0.f});
  return t;
}

struct FitRun {
  absl::Status status;
  std::vector<int64_t> steps;  // reported progress steps
  std::unique_ptr<Model> model;
};

FitRun Fit(const std::string& kind, const json& config, const Table& data, const std::string& checkpoint,
        int64_t cancel_after_step) {
  FitRun run;
  run.model = *CreateModel(kind, config);
  FitContext ctx;
  ctx.seed = 17;
  ctx.checkpoint_path = checkpoint;
  ctx.on_progress = [&run](const TrainingProgress& p) { run.steps.push_back(p.step); };
  ctx.cancelled = [&run, cancel_after_step] {
    return cancel_after_step > 0 && !run.steps.empty() && run.steps.back() >= cancel_after_step;
  };
  run.status = run.model->Fit(data, ctx);
  return run;
}

void ExpectResumeEqualsUninterrupted(const std::string& kind, const json& config, const Table& data) {
  const std::string dir = testing::FreshDir("resume-" + kind);
  std::filesystem::create_directories(dir);
  FitRun whole = Fit(kind, config, data, dir + "/whole.ckpt", 0);
  ASSERT_TRUE(whole.status.ok()) << whole.status;

  FitRun first = Fit(kind, config, data, dir + "/cut.ckpt", 20);
  ASSERT_TRUE(absl::IsCancelled(first.status)) << first.status;
  EXPECT_LE(first.steps.back(), 21) << "cancel must stop within one step";
  ASSERT_TRUE(std::filesystem::exists(dir + "/cut.ckpt"));
  FitRun second = Fit(kind, config, data, dir + "/cut.ckpt", 0);
  ASSERT_TRUE(second.status.ok()) << second.status;
  ASSERT_FALSE(second.steps.empty());
  EXPECT_GT(second.steps.front(), 15) << "the second run must continue from the step-15 checkpoint";
  EXPECT_EQ(Generated(*second.model), Generated(*whole.model)) << kind;
  EXPECT_EQ(second.model->Describe()["fit"], whole.model->Describe()["fit"]) << kind;
}

class ResumeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ResumeTest, ResumedRunEqualsUninterruptedRun) {
  ExpectResumeEqualsUninterrupted(GetParam(), ToyConfig(), ToyTable(1000));
}

INSTANTIATE_TEST_SUITE_P(AllKinds, ResumeTest,
                         ::testing::Values("gan", "wgan-clip", "wgan-gp", "wgan-u1", "lsgan", "rjs-gan"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(LearningRateDecayTest, ResumedRunEqualsUninterruptedRun) {
  json config = ToyConfig();
  config["optimizer"] = {{"lr_decay_to", 0.01}};
  ExpectResumeEqualsUninterrupted("wgan-gp", config, ToyTable(1000));
}

TEST(GeneratorAverageTest, ResumedRunEqualsUninterruptedRun) {
  // The average is part of the checkpoint: without it the resumed average
  // would restart from the step-15 weights.
  json config = ToyConfig();
  config["optimizer"] = {{"generator_ema", 0.9}};
  ExpectResumeEqualsUninterrupted("lsgan", config, ToyTable(1000));
}

// ExpectSameEarlyDifferentLater trains `plain` and `changed` without
// validation: runs of `early_steps` must be identical, runs of 40 steps
// must differ.
void ExpectSameEarlyDifferentLater(const std::string& kind, json plain, json changed, const Table& data,
                                   const Table& conditions, int64_t early_steps) {
  for (json* c : {&plain, &changed}) (*c)["validation"] = {{"fraction", 0}};
  for (int64_t steps : {early_steps, int64_t{40}}) {
    plain["steps"] = changed["steps"] = steps;
    FitRun a = Fit(kind, plain, data, "", 0), b = Fit(kind, changed, data, "", 0);
    ASSERT_TRUE(a.status.ok() && b.status.ok()) << a.status << b.status;
    if (steps == early_steps) {
      EXPECT_EQ(Generated(*a.model, conditions), Generated(*b.model, conditions)) << changed;
    } else {
      EXPECT_NE(Generated(*a.model, conditions), Generated(*b.model, conditions)) << changed;
    }
  }
}

// ExpectSameFirstStepDifferentLater: the toy GAN with and without the
// optimizer keys `variant`.
void ExpectSameFirstStepDifferentLater(const json& variant) {
  json changed = ToyConfig();
  changed["optimizer"] = variant;
  ExpectSameEarlyDifferentLater("gan", ToyConfig(), changed, ToyTable(1000), ToyTable(200), 1);
}

TEST(GeneratorAverageTest, TheStoredGeneratorIsTheAverage) {
  // The average starts as the weights after the first step; after 40 steps
  // the stored generator is the average, not the last weights.
  ExpectSameFirstStepDifferentLater({{"generator_ema", 0.9}});
}

TEST(LearningRateDecayTest, DecayChangesOnlyTheLaterSteps) {
  // The first step runs at the full rate, later ones at smaller rates.
  ExpectSameFirstStepDifferentLater({{"lr_decay_to", 1e-3}});
}

TEST(ValidationMetricTest, CorrelationWeightAddsTheCorrelationDistance) {
  // Same training (the weight only enters validation); the toy targets have
  // a correlation the generator does not reproduce exactly, so weighting it
  // must raise every evaluation's metric, hence the best one.
  json plain = ToyConfig(), weighted = ToyConfig();
  plain["validation"] = {{"every", 10}, {"correlation_weight", 0}};
  weighted["validation"] = {{"every", 10}, {"correlation_weight", 100}};
  FitRun a = Fit("gan", plain, ToyTable(1000), "", 0), b = Fit("gan", weighted, ToyTable(1000), "", 0);
  ASSERT_TRUE(a.status.ok() && b.status.ok());
  const double metric_plain = a.model->Describe()["fit"]["best_validation_metric"].get<double>();
  const double metric_weighted = b.model->Describe()["fit"]["best_validation_metric"].get<double>();
  EXPECT_GT(metric_weighted, metric_plain + 0.1);
}

TEST(ValidationMetricTest, TailQuantilesAddTheTailDistance) {
  // As above: the quantiles only enter validation. Every evaluation's tail
  // distance is >= 0 and a 40-step generator's 1% and 99% quantiles are off,
  // so the best metric must rise.
  json plain = ToyConfig(), tails = ToyConfig();
  tails["validation"] = {{"every", 10}, {"tail_quantiles", {0.01, 0.99}}};
  FitRun a = Fit("gan", plain, ToyTable(1000), "", 0), b = Fit("gan", tails, ToyTable(1000), "", 0);
  ASSERT_TRUE(a.status.ok() && b.status.ok());
  const double metric_plain = a.model->Describe()["fit"]["best_validation_metric"].get<double>();
  const double metric_tails = b.model->Describe()["fit"]["best_validation_metric"].get<double>();
  EXPECT_GT(metric_tails, metric_plain + 0.01);
}

json TinyTtbarMmdConfig() {
  return {{"preset", "ttbar-mmd-gan"}, {"steps", 40}, {"batch_size", 128},
          {"checkpoint_every", 15}, {"generator", {{"hidden", {32}}}},
          {"discriminator", {{"hidden", {32}}}}, {"validation", {{"every", 10}}}};
}

TEST(ResumeWithMmdTest, TtbarMmdGanResumesExactly) {
  auto table = GenerateReference("ttbar-allhad", 1500, 2, {});
  ASSERT_TRUE(table.ok());
  // The cut at step 20 falls inside the MMD weight's ramp.
  json config = TinyTtbarMmdConfig();
  config["lambda_g_ramp"] = {{"from", 10}, {"to", 30}};
  const std::string dir = testing::FreshDir("resume-mmd");
  std::filesystem::create_directories(dir);
  FitRun whole = Fit("rjs-gan", config, *table, dir + "/whole.ckpt", 0);
  ASSERT_TRUE(whole.status.ok()) << whole.status;
  FitRun first = Fit("rjs-gan", config, *table, dir + "/cut.ckpt", 20);
  ASSERT_TRUE(absl::IsCancelled(first.status));
  FitRun second = Fit("rjs-gan", config, *table, dir + "/cut.ckpt", 0);
  ASSERT_TRUE(second.status.ok()) << second.status;
  const Table rows = UnconditionalRows(100);
  EXPECT_EQ(second.model->SampleFor(rows, 3, 0)->values(), whole.model->SampleFor(rows, 3, 0)->values());
}

TEST(MmdRampTest, TheMmdActsFromTheRampOn) {
  // Before the ramp the MMD-weighted run trains exactly as one without MMD
  // terms (validation off: its metric weighs in the MMD at full weight).
  auto table = GenerateReference("ttbar-allhad", 1500, 2, {});
  ASSERT_TRUE(table.ok());
  json ramped = TinyTtbarMmdConfig(), plain = TinyTtbarMmdConfig();
  ramped["lambda_g_ramp"] = {{"from", 5}, {"to", 10}};
  plain["mmd"] = json::array();
  ExpectSameEarlyDifferentLater("rjs-gan", plain, ramped, *table, UnconditionalRows(100), 5);
}

TEST(EarlyStoppingTest, StopsWhenTheValidationMetricStalls) {
  json config = ToyConfig();
  config["steps"] = 1000;
  // A learning rate this small leaves the metric unchanged, so the first
  // evaluations after the best one count as stale.
  config["optimizer"] = {{"lr_g", 1e-9}, {"lr_d", 1e-9}};
  config["validation"] = {{"every", 10}, {"patience", 2}};
  FitRun run = Fit("gan", config, ToyTable(1000), "", 0);
  ASSERT_TRUE(run.status.ok()) << run.status;
  const json fit = run.model->Describe()["fit"];
  EXPECT_TRUE(fit["stopped_early"].get<bool>());
  EXPECT_LT(fit["steps_done"].get<int64_t>(), 100);
}

}  // namespace
}  // namespace evgen
