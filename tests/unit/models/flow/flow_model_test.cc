// Tests of FlowModel through the Model interface: config validation,
// analytic densities through the transform chain, sampling determinism and
// chunk independence, save/load, exact resume, bad inputs, and that a small
// flow beats a full-covariance Gaussian on a two-component mixture.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/models/model_registry.h"
#include "core/physics/constants.h"
#include "core/physics/four_vector.h"
#include "core/physics/ttbar.h"
#include "core/random/counter_rng.h"
#include "nlohmann/json.hpp"
#include "tests/unit/models/linear_toy.h"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using nlohmann::json;

// Mixture: two 2-D Gaussians, bent so no single Gaussian fits well.
Table Mixture(int64_t rows, uint64_t seed) {
  Table t({"a", "b"});
  for (int64_t r = 0; r < rows; ++r) {
    CounterRng rng(seed, r);
    const bool left = rng.Uniform() < 0.4;
    const double a = (left ? -2.0 : 1.5) + 0.5 * rng.Normal();
    const double b = (left ? 1.0 : -1.0) + 0.3 * rng.Normal() + 0.3 * a * a;
    t.AppendRow({static_cast<float>(a), static_cast<float>(b)});
  }
  return t;
}


json SmallConfig(int64_t steps) {
  return {{"target_columns", {"a", "b"}}, {"blocks", 4},     {"subnet", {{"hidden", {32, 32}}}},
          {"batch_size", 256},            {"steps", steps},  {"validation", {{"every", 100}}},
          {"optimizer", {{"lr", 3e-3}}}};
}

std::unique_ptr<Model> Fitted(const std::string& kind, const json& config, const Table& train, uint64_t seed = 3) {
  auto model = CreateModel(kind, config);
  EXPECT_TRUE(model.ok()) << model.status();
  FitContext ctx;
  ctx.seed = seed;
  const absl::Status s = (*model)->Fit(train, ctx);
  EXPECT_TRUE(s.ok()) << s;
  return std::move(*model);
}

void ExpectInvalid(const std::string& kind, const json& config, const std::string& field) {
  auto model = CreateModel(kind, config);
  ASSERT_FALSE(model.ok()) << config.dump();
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find(field), std::string::npos) << model.status();
}

TEST(FlowConfigTest, InvalidConfigsNameTheField) {
  ExpectInvalid("flow-9000", SmallConfig(10), "kind");
  json c = SmallConfig(10);
  c.erase("target_columns");
  ExpectInvalid("flow-rqs", c, "config.target_columns");
  ExpectInvalid("cinn", SmallConfig(10), "config.condition_columns");
  c = SmallConfig(10);
  c["condition_columns"] = {"c"};
  ExpectInvalid("flow-affine", c, "config.condition_columns");
  c = SmallConfig(10);
  c["coupling"] = "rqs";
  ExpectInvalid("flow-affine", c, "config.coupling");
  c["coupling"] = "cubic";
  ExpectInvalid("cinn", c, "config.coupling");
  c = SmallConfig(10);
  c["spline"] = {{"bins", 1}};
  ExpectInvalid("flow-rqs", c, "config.spline.bins");
  c = SmallConfig(10);
  c["mixing"] = "shuffle";
  ExpectInvalid("flow-rqs", c, "config.mixing");
  c = SmallConfig(10);
  c["subnet"]["dropout"] = 0.2;
  ExpectInvalid("flow-rqs", c, "config.subnet.dropout");
  c = SmallConfig(10);
  c["optimizer"]["lr"] = 5;
  ExpectInvalid("flow-rqs", c, "config.optimizer.lr");
  c = SmallConfig(10);
  c["blocs"] = 3;
  ExpectInvalid("flow-rqs", c, "config.blocs");
  c = SmallConfig(10);
  c["preset"] = "no-such-preset";
  ExpectInvalid("flow-rqs", c, "config.preset");
  ExpectInvalid("flow-affine", {{"preset", "camel-flow-small"}}, "config.preset");
  c = {{"target_columns", {"y"}}, {"condition_columns", {"c"}},
       {"transforms", {{{"kind", "standardize"}, {"columns", {"y", "c"}}}}}};
  ExpectInvalid("cinn", c, "config.transforms[0].columns");
}

TEST(FlowConfigTest, ResolveConfigShowsEveryDefaultAndPresetsResolve) {
  auto family = FindModelFamily("flow-rqs");
  ASSERT_TRUE(family.ok());
  auto resolved = (*family)->ResolveConfig("flow-rqs", {{"target_columns", {"a"}}});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  for (const char* key : {"blocks", "subnet", "spline", "mixing", "actnorm", "optimizer", "batch_size", "steps",
                          "validation", "checkpoint_every", "transforms", "coupling", "clamp"}) {
    EXPECT_TRUE(resolved->contains(key)) << key << " in " << resolved->dump();
  }
  EXPECT_EQ((*resolved)["spline"]["bins"], 8);
  EXPECT_EQ((*resolved)["subnet"]["hidden"], json({64, 64}));
  EXPECT_EQ((*resolved)["transforms"][0]["kind"], "standardize");
  int presets = 0;
  auto listed = ListPresets();
  ASSERT_TRUE(listed.ok()) << listed.status();
  for (const PresetInfo& p : *listed) {
    if (p.family != "flow") continue;
    ++presets;
    EXPECT_EQ(p.resolved["target_columns"], p.preset.config["target_columns"]) << p.preset.name;
  }
  EXPECT_EQ(presets, 20);
}

// The unfolding preset reads detector-level conditions and generator-level
// targets (the log pT ratios derived from drell-yan with truth=1).
TEST(FlowModelTest, DrellYanUnfoldPresetIsAConditionalSplineFlow) {
  auto family = FindModelFamily("cinn");
  ASSERT_TRUE(family.ok()) << family.status();
  for (const char* preset : {"drell-yan-unfold-cinn", "drell-yan-unfold-cinn-small"}) {
    auto resolved = (*family)->ResolveConfig("cinn", {{"preset", preset}});
    ASSERT_TRUE(resolved.ok()) << resolved.status();
    EXPECT_EQ((*resolved)["condition_columns"], json({"pt1", "eta1", "pt2", "eta2", "M"})) << preset;
    EXPECT_EQ((*resolved)["target_columns"], json({"log_ratio_pt1", "log_ratio_pt2"})) << preset;
    EXPECT_EQ((*resolved)["coupling"], "rqs") << preset;
  }
}

// The decay-chain preset, trained for a few steps: its samples are six
// quarks on their mass shells with balanced transverse momentum and W and
// top masses inside the simulator's windows (min-max + logit keep them
// there), and reference events have finite densities.
TEST(FlowModelTest, TtbarChainPresetSamplesOnShellBalancedEvents) {
  absl::StatusOr<Table> ttbar = GenerateTtbarAllhad(2000, 5, {});
  ASSERT_TRUE(ttbar.ok()) << ttbar.status();
  auto model = Fitted("flow-rqs", {{"preset", "ttbar-allhad-chain-flow-small"}, {"steps", 20}}, *ttbar);
  absl::StatusOr<Table> samples = model->Sample(Table(), 500, 1, 0);
  ASSERT_TRUE(samples.ok()) << samples.status();
  ASSERT_EQ(samples->num_rows(), 500);
  auto p = [&](int64_t r, int i) {
    const std::string n = "p" + std::to_string(i);
    auto at = [&](const char* c) { return samples->at(r, *samples->ColumnIndex(n + "_" + c + "_gev")); };
    return FourVector(at("e"), at("px"), at("py"), at("pz"));
  };
  for (int64_t r = 0; r < samples->num_rows(); ++r) {
    FourVector sum;
    for (int i = 1; i <= 6; ++i) sum += p(r, i);
    ASSERT_NEAR(sum.px(), 0, 1e-5 * sum.e()) << "row " << r;
    ASSERT_NEAR(sum.py(), 0, 1e-5 * sum.e()) << "row " << r;
    const double m_w = InvariantMass({p(r, 1), p(r, 2)}), m_t = InvariantMass({p(r, 4), p(r, 5), p(r, 6)});
    // The simulator's windows are 15 widths either side of the peaks.
    EXPECT_NEAR(m_w, physics::kWMassGev, 15.1 * physics::kWWidthGev) << "row " << r;
    EXPECT_NEAR(m_t, physics::kTopMassGev, 15.1 * physics::kTopWidthGev) << "row " << r;
  }
  absl::StatusOr<std::vector<double>> log_p = model->LogDensity(ttbar->SliceRows(0, 100));
  ASSERT_TRUE(log_p.ok()) << log_p.status();
  for (double v : *log_p) EXPECT_TRUE(std::isfinite(v));
}

TEST(FlowModelTest, LogDensityOfAnIdentityFlowIsTheChainsLogNormal) {
  // With no ActNorm and a step of lr 1e-12 the affine couplings stay the
  // identity (zero output layers) and rotations keep N(0, 1): the density is
  // that of x when ln x is normal with the fitted mean and width.
  Table train({"x"});
  for (int64_t r = 0; r < 2000; ++r) {
    CounterRng rng(9, r);
    train.AppendRow({static_cast<float>(std::exp(0.5 + 0.4 * rng.Normal()))});
  }
  json config = {{"target_columns", {"x"}},
                 {"transforms", {{{"kind", "log"}, {"columns", {"x"}}}, {{"kind", "standardize"}, {"columns", {"x"}}}}},
                 {"actnorm", false}, {"blocks", 2}, {"steps", 1}, {"optimizer", {{"lr", 1e-12}}}};
  auto model = Fitted("flow-affine", config, train);
  double sum = 0, sum2 = 0;
  for (int64_t r = 0; r < train.num_rows(); ++r) {
    const double l = std::log(train.at(r, 0));
    sum += l;
    sum2 += l * l;
  }
  const double n = static_cast<double>(train.num_rows());
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  Table events({"x"});
  for (float x : {0.3f, 1.0f, 1.7f, 4.0f, 9.0f}) events.AppendRow({x});
  auto log_p = model->LogDensity(events);
  ASSERT_TRUE(log_p.ok()) << log_p.status();
  for (int64_t r = 0; r < events.num_rows(); ++r) {
    const double x = events.at(r, 0), u = (std::log(x) - mean) / sd;
    const double expected = -0.5 * u * u - 0.5 * std::log(2 * physics::kPi) - std::log(sd) - std::log(x);
    EXPECT_NEAR((*log_p)[r], expected, 1e-4) << "x = " << x;
  }
}

TEST(FlowModelTest, TrainedSplineDensityIntegratesToOneInPhysicalUnits) {
  // A log transform makes the physical density differ from the model-space
  // one by 1 / x; only with the chain's log-Jacobian does it integrate to 1.
  Table train({"x"});
  for (int64_t r = 0; r < 3000; ++r) {
    CounterRng rng(4, r);
    const double v = rng.Uniform() < 0.5 ? 1 + 0.2 * rng.Normal() : 2.5 + 0.3 * rng.Normal();
    train.AppendRow({static_cast<float>(std::exp(v))});
  }
  json config = {{"target_columns", {"x"}},
                 {"transforms", {{{"kind", "log"}, {"columns", {"x"}}}, {{"kind", "standardize"}, {"columns", {"x"}}}}},
                 {"blocks", 3}, {"subnet", {{"hidden", {16}}}}, {"steps", 300}, {"batch_size", 256}};
  auto model = Fitted("flow-rqs", config, train);
  Table grid({"x"});
  const double lo = 0.05, hi = 400;
  const int n = 20000;
  // Trapezoid in ln x: integral of p(x) x d(ln x).
  for (int i = 0; i <= n; ++i) grid.AppendRow({static_cast<float>(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / n))});
  auto log_p = model->LogDensity(grid);
  ASSERT_TRUE(log_p.ok()) << log_p.status();
  double integral = 0;
  const double h = (std::log(hi) - std::log(lo)) / n;
  for (int i = 0; i <= n; ++i) {
    const double f = std::exp((*log_p)[i]) * grid.at(i, 0);
    integral += (i == 0 || i == n ? 0.5 : 1.0) * f * h;
  }
  std::printf("[ integral ] spline flow density over x: %.5f\n", integral);
  EXPECT_NEAR(integral, 1.0, 5e-3);
}

TEST(FlowModelTest, SamplesAreChunkIndependentSeedReproducibleAndSurviveSaveLoad) {
  auto model = Fitted("flow-rqs", SmallConfig(60), Mixture(2000, 1));
  const int64_t rows = 5000;
  auto whole = model->Sample(Table(), rows, 42, 100);
  ASSERT_TRUE(whole.ok()) << whole.status();
  Table chunked({"a", "b"});
  for (int64_t begin = 0; begin < rows; begin += 1234) {
    const int64_t n = std::min<int64_t>(1234, rows - begin);
    auto part = model->Sample(Table(), n, 42, 100 + begin);
    ASSERT_TRUE(part.ok());
    for (int64_t r = 0; r < n; ++r) chunked.AppendRow(part->row(r));
  }
  EXPECT_EQ(whole->values(), chunked.values());
  EXPECT_EQ(whole->values(), model->Sample(Table(), rows, 42, 100)->values());
  EXPECT_NE(whole->values(), model->Sample(Table(), rows, 43, 100)->values());

  const std::string dir = testing::FreshEmptyDir("flow_save_load");
  ASSERT_TRUE(model->Save(dir).ok());
  auto loaded = CreateModel("flow-rqs", SmallConfig(60));
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE((*loaded)->Load(dir).ok());
  EXPECT_EQ((*loaded)->Sample(Table(), rows, 42, 100)->values(), whole->values());
  EXPECT_EQ(*(*loaded)->LogDensity(*whole), *model->LogDensity(*whole));
}

TEST(FlowModelTest, ConditionalFlowSamplesAndDensitiesFollowTheCondition) {
  json config = {{"condition_columns", {"c"}}, {"target_columns", {"y"}}, {"coupling", "rqs"},
                 {"blocks", 3}, {"subnet", {{"hidden", {32, 32}}}}, {"steps", 400}, {"batch_size", 256},
                 {"optimizer", {{"lr", 3e-3}}}};
  auto model = Fitted("cinn", config, testing::LinearToy(4000, 1));
  Table conditions({"c"});
  for (int64_t r = 0; r < 2000; ++r) conditions.AppendRow({r < 1000 ? -0.5f : 0.5f});
  auto samples = model->SampleFor(conditions, 5, 0);
  ASSERT_TRUE(samples.ok()) << samples.status();
  double low = 0, high = 0;
  for (int64_t r = 0; r < 2000; ++r) (r < 1000 ? low : high) += samples->at(r, 1) / 1000.0;
  EXPECT_NEAR(low, -1.0, 0.15);
  EXPECT_NEAR(high, 1.0, 0.15);
  // log p(y | c) peaks near y = 2 c.
  Table events({"c", "y"});
  events.AppendRow({0.5f, 1.0f});
  events.AppendRow({0.5f, -1.0f});
  auto log_p = model->LogDensity(events);
  ASSERT_TRUE(log_p.ok()) << log_p.status();
  EXPECT_GT((*log_p)[0], (*log_p)[1] + 5);

  // Samples take conditions as given: a transform of one is refused, also
  // one that names it in other keys than "columns" (the config's check).
  config["transforms"] = {{{"kind", "delta-phi"}, {"column", "c"}, {"reference", "y"}, {"name", "dc"}}};
  auto transformed = CreateModel("cinn", config);
  ASSERT_TRUE(transformed.ok()) << transformed.status();
  const absl::Status s = (*transformed)->Fit(testing::LinearToy(400, 1), FitContext{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("transforms[0] (delta-phi) removes the condition column 'c'"), std::string::npos) << s;
}

TEST(FlowModelTest, BadInputsAreRefusedNamingTheColumnAndRow) {
  auto model = Fitted("flow-affine", SmallConfig(20), Mixture(500, 1));
  Table missing({"a"});
  missing.AppendRow({1.f});
  auto r = model->LogDensity(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'b'"), std::string::npos) << r.status();
  Table bad({"a", "b"});
  bad.AppendRow({1.f, 2.f});
  bad.AppendRow({1.f, std::nanf("")});
  r = model->LogDensity(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("column 'b' row 1"), std::string::npos) << r.status();

  // A chain without a density is refused before training, naming it.
  json config = SmallConfig(5);
  config["transforms"] = {{{"kind", "periodic"}, {"columns", {"b"}}}};
  auto periodic = CreateModel("flow-rqs", config);
  ASSERT_TRUE(periodic.ok());
  const absl::Status s = (*periodic)->Fit(Mixture(200, 1), FitContext{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("periodic"), std::string::npos) << s;
}

TEST(FlowModelTest, GanModelsHaveNoDensity) {
  auto gan = CreateModel("gan", {{"target_columns", {"a", "b"}}});
  ASSERT_TRUE(gan.ok());
  auto r = (*gan)->LogDensity(Mixture(3, 1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("gan models have no density"), std::string::npos) << r.status();
}

// ExpectResumeEqualsStraightRun cancels a run of `config` at step 70,
// resumes it from its checkpoint and compares samples with a straight run.
void ExpectResumeEqualsStraightRun(const json& config, const std::string& dir_name) {
  const Table train = Mixture(1500, 2);
  auto straight = Fitted("flow-rqs", config, train, 5);

  const std::string dir = testing::FreshEmptyDir(dir_name);
  auto model = CreateModel("flow-rqs", config);
  ASSERT_TRUE(model.ok());
  FitContext ctx;
  ctx.seed = 5;
  ctx.checkpoint_path = dir + "/checkpoint.pt";
  int64_t steps_seen = 0;
  ctx.on_progress = [&steps_seen](const TrainingProgress& p) { steps_seen = p.step; };
  ctx.cancelled = [&steps_seen] { return steps_seen >= 70; };
  EXPECT_EQ((*model)->Fit(train, ctx).code(), absl::StatusCode::kCancelled);
  auto resumed = CreateModel("flow-rqs", config);
  ASSERT_TRUE(resumed.ok());
  ctx.cancelled = [] { return false; };
  ASSERT_TRUE((*resumed)->Fit(train, ctx).ok());
  EXPECT_EQ((*resumed)->Sample(Table(), 300, 1, 0)->values(), straight->Sample(Table(), 300, 1, 0)->values());
}

TEST(FlowModelTest, ResumedTrainingEqualsAnUninterruptedRun) {
  json config = SmallConfig(120);
  config["checkpoint_every"] = 40;
  ExpectResumeEqualsStraightRun(config, "flow_resume");
}

// The average is part of the checkpoint: restarted at step 70, it would
// give other weights at the validations of steps 100 and 120.
TEST(FlowModelTest, ResumedTrainingWithWeightAverageEqualsAnUninterruptedRun) {
  json config = SmallConfig(120);
  config["checkpoint_every"] = 40;
  config["optimizer"]["weight_average"] = 0.95;
  ExpectResumeEqualsStraightRun(config, "flow_resume_average");
}

TEST(FlowModelTest, WeightAverageIsWhatTheModelKeeps) {
  const Table train = Mixture(1500, 2);
  json averaged = SmallConfig(120);
  averaged["optimizer"]["weight_average"] = 0.95;
  const auto last = Fitted("flow-rqs", SmallConfig(120), train, 5);
  const auto average = Fitted("flow-rqs", averaged, train, 5);
  EXPECT_NE(average->Sample(Table(), 300, 1, 0)->values(), last->Sample(Table(), 300, 1, 0)->values());
  ExpectInvalid("flow-rqs", {{"target_columns", {"a", "b"}}, {"optimizer", {{"weight_average", 1}}}},
                "config.optimizer.weight_average");
}

// GaussianHeldOutLogLikelihood fits a full-covariance Gaussian to `train`
// (maximum likelihood) and returns its mean log-likelihood on `test`.
double GaussianHeldOutLogLikelihood(const Table& train, const Table& test) {
  double m[2] = {0, 0}, s[2][2] = {{0, 0}, {0, 0}};
  const double n = static_cast<double>(train.num_rows());
  for (int64_t r = 0; r < train.num_rows(); ++r) {
    for (int i = 0; i < 2; ++i) m[i] += train.at(r, i) / n;
  }
  for (int64_t r = 0; r < train.num_rows(); ++r) {
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) s[i][j] += (train.at(r, i) - m[i]) * (train.at(r, j) - m[j]) / n;
    }
  }
  const double det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
  const double inv[2][2] = {{s[1][1] / det, -s[0][1] / det}, {-s[1][0] / det, s[0][0] / det}};
  double sum = 0;
  for (int64_t r = 0; r < test.num_rows(); ++r) {
    const double d[2] = {test.at(r, 0) - m[0], test.at(r, 1) - m[1]};
    const double q = d[0] * (inv[0][0] * d[0] + inv[0][1] * d[1]) + d[1] * (inv[1][0] * d[0] + inv[1][1] * d[1]);
    sum += -0.5 * q - std::log(2 * physics::kPi) - 0.5 * std::log(det);
  }
  return sum / static_cast<double>(test.num_rows());
}

TEST(FlowModelTest, SmallFlowsBeatAFullCovarianceGaussianOnAMixture) {
  const Table train = Mixture(6000, 1), test = Mixture(3000, 2);
  const double gaussian = GaussianHeldOutLogLikelihood(train, test);
  for (const std::string kind : {"flow-rqs", "flow-affine"}) {
    json config = SmallConfig(kind == "flow-rqs" ? 1200 : 1500);
    config["optimizer"]["lr_decay_to"] = 0.1;
    auto model = Fitted(kind, config, train);
    auto log_p = model->LogDensity(test);
    ASSERT_TRUE(log_p.ok()) << log_p.status();
    double mean = 0;
    for (double v : *log_p) mean += v / static_cast<double>(log_p->size());
    std::printf("[ held-out ] mean log-likelihood: %s %.4f, full-covariance Gaussian %.4f\n", kind.c_str(), mean,
                gaussian);
    EXPECT_GT(mean, gaussian + 0.1) << kind;
    // The model's own baseline (its validation rows, gaussian_baseline.h)
    // agrees with this one on other rows, and sits above its flow's NLL.
    const json fit = model->Describe()["fit"];
    EXPECT_NEAR(fit["gaussian_validation_nll"].get<double>(), -gaussian, 0.1) << fit.dump();
    EXPECT_GT(fit["gaussian_validation_nll"].get<double>(), fit["best_validation_nll"].get<double>() + 0.1);
  }
}

}  // namespace
}  // namespace evgen
