// Tests of GanModel through the Model interface: config validation, sampling
// determinism and chunk independence, save/load, on-shell ttbar samples, and
// that a small conditional GAN learns a conditional mean.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/models/gan/gan_presets.h"
#include "core/models/model_registry.h"
#include "core/physics/reference_simulators.h"
#include "nlohmann/json.hpp"
#include "tests/unit/models/linear_toy.h"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using nlohmann::json;

using testing::LinearToy;  // c uniform in [-1, 1], y = 2 c + 0.3 N(0, 1)

json ToyConfig(int64_t steps) {
  return {{"condition_columns", {"c"}}, {"target_columns", {"y"}},
          {"generator", {{"hidden", {32, 32}}}}, {"discriminator", {{"hidden", {32, 32}}}},
          {"noise", {{"dim", 2}}}, {"batch_size", 128}, {"steps", steps},
          {"optimizer", {{"lr_g", 1e-3}, {"lr_d", 1e-3}}},
          {"validation", {{"every", 50}}}};
}

std::unique_ptr<Model> FittedToy(const std::string& kind, int64_t steps, uint64_t seed = 3) {
  auto model = CreateModel(kind, ToyConfig(steps));
  EXPECT_TRUE(model.ok()) << model.status();
  FitContext ctx;
  ctx.seed = seed;
  EXPECT_TRUE((*model)->Fit(LinearToy(4000, 1), ctx).ok());
  return std::move(*model);
}

void ExpectInvalid(const std::string& kind, const json& config, const std::string& field) {
  auto model = CreateModel(kind, config);
  ASSERT_FALSE(model.ok()) << config.dump();
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find(field), std::string::npos) << model.status();
}

TEST(GanConfigTest, InvalidConfigsNameTheField) {
  ExpectInvalid("gan-9000", ToyConfig(10), "kind");
  json c = ToyConfig(10);
  c["loss"] = {{"lambda", -1}};
  ExpectInvalid("wgan-gp", c, "config.loss.lambda");
  ExpectInvalid("gan", c, "config.loss.lambda");  // no lambda for a plain GAN
  c = ToyConfig(10);
  c.erase("target_columns");
  ExpectInvalid("gan", c, "config.target_columns");
  c = ToyConfig(10);
  c["generator"]["activation"] = "sigmoidal";
  ExpectInvalid("gan", c, "config.generator.activation");
  c = ToyConfig(10);
  c["preset"] = "no-such-preset";
  ExpectInvalid("gan", c, "config.preset");
  ExpectInvalid("gan", {{"preset", "dilepton-wgan-gp-small"}}, "config.preset");
  c = ToyConfig(10);
  c["batch_sise"] = 10;
  ExpectInvalid("gan", c, "config.batch_sise");
  c = ToyConfig(10);
  c["mmd"] = {{{"particles", {"p1"}}, {"widths", {2}}}};
  ExpectInvalid("rjs-gan", c, "config.mmd[0].particles");
  c = ToyConfig(10);
  c["discriminator"]["dropout"] = 0.5;
  ExpectInvalid("wgan-u1", c, "config.discriminator.dropout");
  c = ToyConfig(10);
  c["optimizer"] = {{"lr_decay_to", 0}};
  ExpectInvalid("gan", c, "config.optimizer.lr_decay_to");
  c["optimizer"] = {{"generator_ema", 1}};
  ExpectInvalid("gan", c, "config.optimizer.generator_ema");
  c = ToyConfig(10);
  c["validation"] = {{"correlation_weight", -1}};
  ExpectInvalid("gan", c, "config.validation.correlation_weight");
  c["validation"] = {{"tail_quantiles", {0.9, 1}}};
  ExpectInvalid("gan", c, "config.validation.tail_quantiles");
  c = ToyConfig(10);
  c["lambda_g_ramp"] = {{"from", 200}, {"to", 100}};
  ExpectInvalid("rjs-gan", c, "config.lambda_g_ramp.to");
  c["lambda_g_ramp"] = {{"from", -1}};
  ExpectInvalid("rjs-gan", c, "config.lambda_g_ramp.from");
  c = ToyConfig(10);
  c["sample_block_rows"] = 1000;
  ExpectInvalid("gan", c, "config.sample_block_rows");
  c["sample_block_rows"] = 32;
  ExpectInvalid("gan", c, "config.sample_block_rows");
}

TEST(GanConfigTest, EveryPresetParses) {
  for (const GanPreset& preset : GanPresets()) {
    auto model = CreateModel(preset.kind, {{"preset", preset.name}});
    EXPECT_TRUE(model.ok()) << preset.name << ": " << model.status();
  }
}

TEST(GanModelTest, SampleIsAFunctionOfSeedAndRowOnly) {
  std::unique_ptr<Model> model = FittedToy("gan", 30);
  const Table conditions = LinearToy(1000, 9);
  auto whole = model->SampleFor(conditions, 42, 0);
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_EQ(whole->columns(), (std::vector<std::string>{"c", "y"}));
  auto head = model->SampleFor(conditions.SliceRows(0, 300), 42, 0);
  auto tail = model->SampleFor(conditions.SliceRows(300, 1000), 42, 300);
  ASSERT_TRUE(head.ok() && tail.ok());
  ASSERT_TRUE(head->Append(*tail).ok());
  EXPECT_EQ(head->values(), whole->values());
  auto other = model->SampleFor(conditions, 43, 0);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->values(), whole->values());
}

TEST(GanModelTest, SaveAndLoadSampleTheSame) {
  std::unique_ptr<Model> model = FittedToy("wgan-gp", 20);
  const std::string dir = testing::FreshDir("gan-save");
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(model->Save(dir).ok());
  auto loaded = CreateModel("wgan-gp", ToyConfig(20));
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE((*loaded)->Load(dir).ok());
  const Table conditions = LinearToy(500, 5);
  EXPECT_EQ((*loaded)->SampleFor(conditions, 7, 0)->values(), model->SampleFor(conditions, 7, 0)->values());
  EXPECT_EQ((*loaded)->Describe()["fit"], model->Describe()["fit"]);
}

// The pass size moves rows to other positions of other passes, which changes
// only BLAS's summation order: noise and dropout masks are keyed by absolute
// row. A model saved before the key existed keeps the 4096-row passes it
// sampled with.
TEST(GanModelTest, SampleBlockRowsChangesOnlyTheSummationOrder) {
  std::unique_ptr<Model> model = FittedToy("gan", 30);
  EXPECT_EQ(model->sample_block_rows(), 1024);
  const std::string dir = testing::FreshDir("gan-block");
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(model->Save(dir).ok());
  {
    std::ifstream in(dir + "/gan.json");
    json state = json::parse(in);
    ASSERT_EQ(state["config"]["sample_block_rows"], 1024);
    state["config"].erase("sample_block_rows");  // as saved before the key existed
    std::ofstream(dir + "/gan.json") << state.dump();
  }
  auto old = CreateModel("gan", ToyConfig(30));
  ASSERT_TRUE(old.ok());
  ASSERT_TRUE((*old)->Load(dir).ok());
  EXPECT_EQ((*old)->sample_block_rows(), 4096);
  const Table conditions = LinearToy(5000, 9);
  auto now = model->SampleFor(conditions, 42, 100);
  auto before = (*old)->SampleFor(conditions, 42, 100);
  ASSERT_TRUE(now.ok() && before.ok());
  ASSERT_EQ(now->values().size(), before->values().size());
  double largest = 0;
  for (size_t i = 0; i < now->values().size(); ++i) {
    largest = std::max(largest, std::abs(double{now->values()[i]} - double{before->values()[i]}) /
                                    std::max(1.0, std::abs(double{before->values()[i]})));
  }
  EXPECT_LT(largest, 1e-5);
}

// A bf16 copy (Model::ForInference) samples from the same noise, dropout
// masks and conditions as the float32 model: close to it row by row, passing
// the check the copy is made with, reproducible and chunk-independent in its
// own bytes; a tolerance it cannot meet, fp16 on the CPU and an unknown
// precision are refused with what was measured or allowed.
TEST(GanModelTest, ReducedPrecisionCopyIsCheckedAgainstFp32) {
  json config = ToyConfig(200);
  config["generator"]["dropout"] = 0.5;  // the keyed masks run in bf16 too
  auto created = CreateModel("gan", config);
  ASSERT_TRUE(created.ok()) << created.status();
  std::unique_ptr<Model> model = std::move(*created);
  EXPECT_EQ(model->ForInference({"cpu", "bf16", 0.05}).status().code(), absl::StatusCode::kFailedPrecondition)
      << "an unfitted model has nothing to copy";
  FitContext ctx;
  ctx.seed = 3;
  ASSERT_TRUE(model->Fit(LinearToy(4000, 1), ctx).ok());

  auto bf16 = model->ForInference({"cpu", "bf16", 0.05});
  ASSERT_TRUE(bf16.ok()) << bf16.status();
  const json check = (*bf16)->Describe()["inference"]["check"];
  EXPECT_EQ(check["precision"], "bf16");
  const double deviation = check["deviation"]["y"].get<double>();
  EXPECT_GT(deviation, 0) << "bf16 rounds: the bytes must differ";
  EXPECT_LT(deviation, 0.05);
  EXPECT_FALSE(model->Describe().contains("inference")) << "the float32 model is unchanged";

  const Table conditions = LinearToy(3000, 9);
  auto fp32_rows = model->SampleFor(conditions, 42, 0);
  auto whole = (*bf16)->SampleFor(conditions, 42, 0);
  ASSERT_TRUE(fp32_rows.ok() && whole.ok());
  EXPECT_NE(whole->values(), fp32_rows->values());
  double mean_fp32 = 0, mean_bf16 = 0;
  for (int64_t r = 0; r < 3000; ++r) {
    EXPECT_EQ(whole->at(r, 0), conditions.at(r, 0));
    mean_fp32 += fp32_rows->at(r, 1) / 3000.0;
    mean_bf16 += whole->at(r, 1) / 3000.0;
  }
  EXPECT_NEAR(mean_bf16, mean_fp32, 0.02);
  // The output layer runs in float32, so generated values are not rounded
  // to bf16's 8-bit mantissa (which left a few distinct values per octave).
  std::set<float> distinct_fp32, distinct_bf16;
  for (int64_t r = 0; r < 3000; ++r) {
    distinct_fp32.insert(fp32_rows->at(r, 1));
    distinct_bf16.insert(whole->at(r, 1));
  }
  EXPECT_GT(distinct_bf16.size(), 0.95 * distinct_fp32.size());
  auto head = (*bf16)->SampleFor(conditions.SliceRows(0, 1100), 42, 0);
  auto tail = (*bf16)->SampleFor(conditions.SliceRows(1100, 3000), 42, 1100);
  ASSERT_TRUE(head.ok() && tail.ok());
  ASSERT_TRUE(head->Append(*tail).ok());
  EXPECT_EQ(head->values(), whole->values()) << "chunking changed the bf16 sample";
  EXPECT_EQ((*model->ForInference({"cpu", "bf16", 0.05}))->SampleFor(conditions, 42, 0)->values(), whole->values());

  auto strict = model->ForInference({"cpu", "bf16", 1e-7});
  ASSERT_EQ(strict.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(strict.status().message().find("column 'y'"), std::string::npos) << strict.status();
  EXPECT_NE(strict.status().message().find("allows 1e-07"), std::string::npos) << strict.status();
  auto fp16 = model->ForInference({"cpu", "fp16", 0.05});
  ASSERT_EQ(fp16.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(fp16.status().message().find("GPU only"), std::string::npos) << fp16.status();
  auto unknown = model->ForInference({"cpu", "fp64", 0.05});
  ASSERT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("fp32, bf16, fp16"), std::string::npos) << unknown.status();
}

TEST(GanModelTest, MissingConditionColumnIsRefused) {
  std::unique_ptr<Model> model = FittedToy("lsgan", 5);
  Table no_c({"x"});
  no_c.AppendRow({1.f});
  auto s = model->SampleFor(no_c, 1, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("'c'"), std::string::npos);
}

// Samples read their conditions as given, so a transform of a condition
// column would have trained on other values than sampling feeds: refused.
TEST(GanModelTest, TransformOfAConditionColumnIsRefused) {
  json config = ToyConfig(5);
  config["transforms"] = {{{"kind", "standardize"}, {"columns", {"y", "c"}}}};
  auto model = CreateModel("lsgan", config);
  ASSERT_TRUE(model.ok()) << model.status();
  const absl::Status fitted = (*model)->Fit(LinearToy(400, 1), FitContext{});
  EXPECT_EQ(fitted.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(fitted.message().find("changes the condition column 'c'"), std::string::npos) << fitted;
}

// A short run must learn that y follows 2c: the generated conditional means
// at c = -0.8 and c = +0.8 straddle with the right slope.
TEST(GanModelTest, ConditionalGanLearnsTheConditionalMean) {
  std::unique_ptr<Model> model = FittedToy("gan", 1500);
  for (float c : {-0.8f, 0.8f}) {
    Table conditions({"c"});
    for (int i = 0; i < 2000; ++i) conditions.AppendRow({c});
    auto s = model->SampleFor(conditions, 11, 0);
    ASSERT_TRUE(s.ok());
    double mean = 0;
    for (int64_t r = 0; r < s->num_rows(); ++r) mean += s->at(r, 1);
    mean /= s->num_rows();
    EXPECT_NEAR(mean, 2 * c, 0.35) << "c = " << c;
  }
}

// ttbar samples come back as on-shell 4-vectors: E^2 - p^2 = m^2 for each quark.
TEST(GanModelTest, TtbarSamplesAreOnShell) {
  auto table = GenerateReference("ttbar-allhad", 3000, 1, {});
  ASSERT_TRUE(table.ok());
  json config = {{"preset", "ttbar-mmd-gan"}, {"steps", 5}, {"batch_size", 256},
                 {"generator", {{"hidden", {32}}}}, {"discriminator", {{"hidden", {32}}}}};
  auto model = CreateModel("rjs-gan", config);
  ASSERT_TRUE(model.ok()) << model.status();
  FitContext ctx;
  ASSERT_TRUE((*model)->Fit(*table, ctx).ok());
  auto s = (*model)->Sample(Table(), 2000, 1, 0);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->num_rows(), 2000);
  ASSERT_EQ(s->num_columns(), 24);
  for (int i = 1; i <= 6; ++i) {
    const double mass = (i == 3 || i == 6) ? 4.7 : 0.0;
    const std::string p = "p" + std::to_string(i);
    const int e = *s->ColumnIndex(p + "_e_gev"), x = *s->ColumnIndex(p + "_px_gev"),
              y = *s->ColumnIndex(p + "_py_gev"), z = *s->ColumnIndex(p + "_pz_gev");
    for (int64_t r = 0; r < s->num_rows(); r += 97) {
      const double px = s->at(r, x), py = s->at(r, y), pz = s->at(r, z);
      EXPECT_NEAR(s->at(r, e), std::sqrt(px * px + py * py + pz * pz + mass * mass),
                  1e-5 * (1 + s->at(r, e)));
    }
  }
}

// The dilepton preset generates through dilepton-kinematics: even a barely
// trained generator's events keep the acceptance, the pT ordering, the
// angular ranges and pT(ll) of the two leptons.
TEST(GanModelTest, DileptonSamplesKeepTheCutsAndRelations) {
  auto table = GenerateReference("ttbar-dilepton", 3000, 1, {});
  ASSERT_TRUE(table.ok());
  json config = {{"preset", "dilepton-wgan-gp-small"}, {"steps", 5}, {"batch_size", 256}};
  auto model = CreateModel("wgan-gp", config);
  ASSERT_TRUE(model.ok()) << model.status();
  FitContext ctx;
  ASSERT_TRUE((*model)->Fit(*table, ctx).ok());
  auto s = (*model)->Sample(Table(), 2000, 1, 0);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->num_columns(), 8);
  auto at = [&](int64_t r, const char* c) -> double { return s->at(r, *s->ColumnIndex(c)); };
  for (int64_t r = 0; r < s->num_rows(); ++r) {
    const double pt0 = at(r, "pt_l0_gev"), pt1 = at(r, "pt_l1_gev"), dphi = at(r, "dphi_ll");
    ASSERT_GE(pt1, 25.0) << r;
    ASSERT_GE(pt0, pt1) << r;
    ASSERT_TRUE(dphi >= 0 && dphi <= 3.1416) << r;
    ASSERT_GE(at(r, "dr_ll"), dphi * (1 - 1e-6)) << r;
    const double pt_ll = std::sqrt(pt0 * pt0 + pt1 * pt1 + 2 * pt0 * pt1 * std::cos(dphi));
    ASSERT_NEAR(at(r, "pt_ll_gev"), pt_ll, 1e-4 * (pt0 + pt1)) << r;
  }
}

}  // namespace
}  // namespace evgen
