// GAN models through a real evgend: every GAN kind trains as a job and
// samples conditionally through SamplingService with the conditions' columns
// first, kept columns after the generated ones, and the same bytes for the
// same seed whatever the chunk size; an unconditional GAN (ttbar) samples n
// on-shell events without conditions.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "client/evgen_client.h"
#include "core/io/table_file.h"
#include "core/random/counter_rng.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"
#include "wire/table_codec.h"

namespace evgen::testing {
namespace {

class GanSamplingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-gan-sampling"));
    auto server = EvgendProcess::Start(*dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "qcd-multijet", "-n", "5000",
                                                 "--name", "qcd"}).code, 0);
    ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "ttbar-allhad", "-n", "3000",
                                                 "--name", "ttbar"}).code, 0);
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static void Train(const std::string& kind, const std::string& name, const std::string& dataset,
                    const std::string& config) {
    CliResult r = RunCliCapture(server_->address(), {"train", kind, "--dataset", dataset, "--name", name,
                                                     "--config", config, "--seed", "4", "--wait"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
  }

  // Collect returns every value of a sample stream and its columns.
  static std::vector<float> Collect(const v1::SampleRequest& r, std::vector<std::string>* columns) {
    EvgenClient client(server_->address());
    std::vector<float> values;
    absl::Status s = client.Sample(r, [&](const v1::SampleChunk& chunk) {
      absl::StatusOr<Table> t = DecodeTable(chunk.table(), "table");
      EXPECT_TRUE(t.ok()) << t.status();
      if (!t.ok()) return t.status();
      *columns = t->columns();
      values.insert(values.end(), t->values().begin(), t->values().end());
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return values;
  }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* GanSamplingTest::dir_ = nullptr;
EvgendProcess* GanSamplingTest::server_ = nullptr;

TEST_F(GanSamplingTest, EveryKindSamplesConditionallyAndReproducibly) {
  const std::string config =
      R"({"condition_columns": ["pt_gev", "eta", "n_track"], "target_columns": ["mass_gev"],
          "generator": {"hidden": [16]}, "discriminator": {"hidden": [16]}, "steps": 20,
          "batch_size": 128})";
  for (const std::string kind : {"gan", "wgan-clip", "wgan-gp", "wgan-u1", "lsgan", "rjs-gan"}) {
    SCOPED_TRACE(kind);
    Train(kind, "jm-" + kind, "qcd", config);
    v1::SampleRequest r;
    r.set_model("jm-" + kind);
    r.set_n(3000);
    r.set_seed(9);
    r.mutable_conditions_from()->set_dataset("qcd");
    r.mutable_conditions_from()->set_region("validation");
    r.add_keep_columns("is_gluon");
    std::vector<std::string> columns;
    const std::vector<float> big = Collect(r, &columns);
    EXPECT_EQ(columns, (std::vector<std::string>{"pt_gev", "eta", "n_track", "mass_gev", "is_gluon"}));
    ASSERT_EQ(big.size(), 3000u * 5);
    for (size_t i = 3; i < big.size(); i += 5) ASSERT_TRUE(std::isfinite(big[i]));
    r.set_max_chunk_bytes(8192);  // the smallest allowed: many chunks
    EXPECT_EQ(Collect(r, &columns), big) << "chunking changed the sample";
    r.set_seed(10);
    EXPECT_NE(Collect(r, &columns), big);
  }
}

// bf16 through the service and the CLI: its own bytes, the same for the same
// seed whatever the chunks, close to fp32 (the server checked it before
// sampling); unknown precisions and fp16 without a GPU are refused by name.
TEST_F(GanSamplingTest, ReducedPrecisionSamplesAreCheckedAndReproducible) {
  Train("gan", "jm-bf16", "qcd",
        R"({"condition_columns": ["pt_gev", "eta", "n_track"], "target_columns": ["mass_gev"],
            "generator": {"hidden": [16, 16], "dropout": 0.5}, "discriminator": {"hidden": [16]},
            "steps": 20, "batch_size": 128})");
  v1::SampleRequest r;
  r.set_model("jm-bf16");
  r.set_n(3000);
  r.set_seed(9);
  r.mutable_conditions_from()->set_dataset("qcd");
  std::vector<std::string> columns;
  const std::vector<float> fp32 = Collect(r, &columns);
  r.set_precision("bf16");
  const std::vector<float> bf16 = Collect(r, &columns);
  ASSERT_EQ(bf16.size(), fp32.size());
  EXPECT_NE(bf16, fp32);
  double mean_fp32 = 0, mean_bf16 = 0;
  for (size_t i = 3; i < bf16.size(); i += 4) {
    mean_fp32 += fp32[i] / 3000.0;
    mean_bf16 += bf16[i] / 3000.0;
  }
  EXPECT_NEAR(mean_bf16, mean_fp32, 0.01 * std::abs(mean_fp32));
  r.set_max_chunk_bytes(8192);
  EXPECT_EQ(Collect(r, &columns), bf16) << "chunking changed the bf16 sample";

  EvgenClient client(server_->address());
  // Every chunk says what the check found; fp32 was not checked.
  const auto check_of = [&](const std::string& precision) {
    r.set_precision(precision);
    std::pair<double, std::string> check{-1, "none"};
    EXPECT_TRUE(client
                    .Sample(r,
                            [&](const v1::SampleChunk& chunk) {
                              check = {chunk.precision_deviation(), chunk.precision_deviation_column()};
                              return absl::OkStatus();
                            })
                    .ok());
    return check;
  };
  const auto [deviation, column] = check_of("bf16");
  EXPECT_GT(deviation, 0);
  EXPECT_LE(deviation, 0.01);
  EXPECT_EQ(column, "mass_gev");
  EXPECT_EQ(check_of("fp32"), std::make_pair(0.0, std::string()));
  const auto refused = [&](const std::string& precision) {
    r.set_precision(precision);
    return client.Sample(r, [](const v1::SampleChunk&) { return absl::OkStatus(); });
  };
  const absl::Status unknown = refused("fp64");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("precision: 'fp64' is not one of fp32, bf16, fp16"), std::string::npos) << unknown;
  const absl::Status fp16 = refused("fp16");
  EXPECT_NE(fp16.message().find("fp16"), std::string::npos) << fp16;

  const std::string out = *dir_ + "/bf16.npy";
  CliResult cli = RunCliCapture(server_->address(), {"sample", "3000", "--model", "jm-bf16", "--seed", "9",
                                                     "--conditions-from", "qcd", "--precision", "bf16", "-o", out});
  ASSERT_EQ(cli.code, 0) << cli.err;
  EXPECT_NE(cli.err.find("bf16 checked against fp32 on paired rows: the largest deviation is "), std::string::npos)
      << cli.err;
  EXPECT_NE(cli.err.find("(column 'mass_gev')"), std::string::npos) << cli.err;
  absl::StatusOr<Table> file = ReadTableFile(out);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->values(), bf16);
}

TEST_F(GanSamplingTest, UnconditionalTtbarGanSamplesOnShellEvents) {
  Train("rjs-gan", "tt", "ttbar",
        R"({"preset": "ttbar-mmd-gan", "steps": 10, "batch_size": 256,
            "generator": {"hidden": [32]}, "discriminator": {"hidden": [32]}})");
  v1::SampleRequest r;
  r.set_model("tt");
  r.set_n(2500);
  r.set_seed(1);
  std::vector<std::string> columns;
  const std::vector<float> values = Collect(r, &columns);
  ASSERT_EQ(columns.size(), 24u);
  ASSERT_EQ(values.size(), 2500u * 24);
  for (size_t row = 0; row < 2500; row += 7) {
    for (int p = 0; p < 6; ++p) {
      const float* v = &values[row * 24 + p * 4];  // e, px, py, pz
      const double m = (p == 2 || p == 5) ? 4.7 : 0.0;
      EXPECT_NEAR(v[0], std::sqrt(double(v[1]) * v[1] + double(v[2]) * v[2] + double(v[3]) * v[3] + m * m),
                  1e-5 * (1 + v[0]));
    }
  }
}

TEST_F(GanSamplingTest, StoredModelCarriesTransformsLogAndFinalMetrics) {
  Train("wgan-gp", "jm-store", "qcd",
        R"({"condition_columns": ["pt_gev", "n_track"], "target_columns": ["mass_gev"], "steps": 30,
            "generator": {"hidden": [16]}, "discriminator": {"hidden": [16]}, "validation": {"every": 10}})");
  CliResult r = RunCliCapture(server_->address(), {"--json", "models", "get", "jm-store"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json model = nlohmann::json::parse(r.out);
  const nlohmann::json& metrics = model["metrics_json"];
  EXPECT_EQ(metrics["steps_done"], 30);
  EXPECT_GT(metrics["best_validation_metric"].get<double>(), 0);
  const std::string version_dir = *dir_ + "/data/models/jm-store/1";
  EXPECT_TRUE(std::filesystem::exists(version_dir + "/weights.pt"));
  EXPECT_TRUE(std::filesystem::exists(version_dir + "/train.jsonl"));
  std::ifstream gan(version_dir + "/gan.json");
  const nlohmann::json state = nlohmann::json::parse(gan);
  EXPECT_EQ(state["transforms_fitted"][0]["kind"], "standardize");
}

}  // namespace
}  // namespace evgen::testing
