// The walking-skeleton flow through a real evgend and the real CLI: generate
// the QCD multijet reference, build templates, sample the validation region,
// score the sample with the separation power.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/io/npy.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

TEST(FlowTest, TemplatesBuiltSampledAndScoredThroughTheCli) {
  const std::string dir = MakeTempDir("evgen-flow");
  auto server = EvgendProcess::Start(dir + "/data");
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();

  CliResult gen = RunCliCapture(address, {"--json", "datasets", "generate", "qcd-multijet", "-n", "30000",
                                          "--seed", "7", "--name", "qcd"});
  ASSERT_EQ(gen.code, 0) << gen.err;
  nlohmann::json dataset = nlohmann::json::parse(gen.out);
  EXPECT_EQ(dataset["name"], "qcd");
  const int64_t validation_rows = dataset["region_rows"]["validation"].get<int64_t>();
  EXPECT_GT(validation_rows, 1000);

  CliResult train = RunCliCapture(address, {"--json", "train", "template", "--dataset", "qcd", "--name",
                                            "qcd-templates", "--wait", "--seed", "3"});
  ASSERT_EQ(train.code, 0) << train.err << train.out;
  nlohmann::json job = nlohmann::json::parse(train.out);
  EXPECT_EQ(job["state"], "JOB_STATE_SUCCEEDED");
  EXPECT_EQ(job["model_version"], 1);

  // Global flags work after the subcommand as well.
  CliResult listed = RunCliCapture(address, {"datasets", "list", "--json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(nlohmann::json::parse(listed.out)["datasets"][0]["name"], "qcd");

  CliResult models = RunCliCapture(address, {"models", "list"});
  ASSERT_EQ(models.code, 0) << models.err;
  EXPECT_NE(models.out.find("qcd-templates"), std::string::npos);
  EXPECT_NE(models.out.find("control"), std::string::npos);

  const std::string out = dir + "/masses.npy";
  CliResult sample = RunCliCapture(address, {"sample", std::to_string(validation_rows), "--model", "qcd-templates",
                                             "--conditions-from", "qcd", "--region", "validation", "--keep",
                                             "n_track", "--seed", "11", "-o", out});
  ASSERT_EQ(sample.code, 0) << sample.err;
  absl::StatusOr<Table> masses = ReadNpy(out);
  ASSERT_TRUE(masses.ok()) << masses.status();
  EXPECT_EQ(masses->num_rows(), validation_rows);
  EXPECT_EQ(masses->columns(), (std::vector<std::string>{"pt_gev", "eta", "mass_gev", "n_track"}));

  // The paper's estimate: 8 equal-statistics cells in pT, |eta| and n_track.
  CliResult compare = RunCliCapture(address, {"--json", "metrics", "compare", "qcd:validation", out, "-m",
                                              "separation-power"});
  ASSERT_EQ(compare.code, 0) << compare.err;
  nlohmann::json result = nlohmann::json::parse(compare.out)["results"][0];
  const double separation = result["value"];
  EXPECT_EQ(result["details_json"]["cells"].size(), 8u);
  EXPECT_GT(separation, 0.0);
  EXPECT_LT(separation, 0.2) << "templates far from the reference they were built from";
  EXPECT_GT(result["uncertainty"].get<double>(), 0.0);
  std::filesystem::remove_all(dir);
}

TEST(FlowTest, MainJobScriptRunsEndToEnd) {
  // scripts/main-job.sh drives the same flow with the binaries; a short run
  // here proves README command 1 keeps working.
  const std::string dir = MakeTempDir("evgen-main-job");
  const std::string cmd = std::string("EVGEN_EVENTS=20000 EVGEN_GAN_CONFIG='{\"steps\": 300}' EVGEN_BIN_DIR=") +
                          std::filesystem::path(EVGEN_EVGEND_PATH).parent_path().string() +
                          " EVGEN_WORK_DIR=" + dir + " bash " EVGEN_SOURCE_DIR "/scripts/main-job.sh --no-build > " +
                          dir + "/log 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream log(dir + "/log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  ASSERT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("histogram templates:   0."), std::string::npos) << text;
  EXPECT_NE(text.find("conditional GAN:       0."), std::string::npos) << text;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen::testing
