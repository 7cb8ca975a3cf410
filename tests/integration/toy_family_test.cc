// A model family plugs in with no edit to core/jobs, server/ or client/: the
// test-only toy family (toy_family.cc), linked into a build of evgend from
// the test tree, shows in `models presets`, trains as a job, checkpoints,
// survives a SIGKILL of the server, resumes from its checkpoint and samples
// through the real client and CLI, byte for byte as an uninterrupted run.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "client/evgen_client.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"
#include "tests/integration/job_polling.h"
#include "tests/integration/restartable_server.h"

namespace evgen::testing {
namespace {

class ToyFamilyTest : public RestartableServerTest {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("evgen-toy");
    StartToyServer();
    ASSERT_EQ(Cli({"datasets", "generate", "qcd-multijet", "-n", "4000", "--name", "qcd"}).code, 0);
  }

  void StartToyServer() {
    absl::StatusOr<std::unique_ptr<EvgendProcess>> server = EvgendProcess::StartBinary(EVGEN_EVGEND_TOY_PATH, dir_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    client_ = std::make_unique<EvgenClient>(server_->address());
  }

  CliResult Cli(const std::vector<std::string>& args) { return RunCliCapture(server_->address(), args); }

  // SampleBytes writes 2,000 rows of `model` with `evgen sample` and returns the file.
  std::string SampleBytes(const std::string& model) {
    const std::string out = dir_ + "/" + model + ".npy";
    CliResult r = Cli({"sample", "2000", "--model", model, "--seed", "3", "-o", out});
    EXPECT_EQ(r.code, 0) << r.err;
    std::ifstream in(out, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }
};

TEST_F(ToyFamilyTest, PresetsListTheFamilyAndItsResolvedConfig) {
  CliResult r = Cli({"--json", "models", "presets"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  bool kind_listed = false, preset_listed = false;
  for (const auto& k : j["kinds"]) {
    if (k["kind"] == "toy-gaussian") kind_listed = k["family"] == "toy";
  }
  for (const auto& p : j["presets"]) {
    if (p["name"] != "toy-slow") continue;
    preset_listed = true;
    EXPECT_EQ(p["config_json"]["steps"], 40);
    EXPECT_EQ(p["config_json"]["checkpoint_every"], 5) << "the default is resolved";
  }
  EXPECT_TRUE(kind_listed) << r.out;
  EXPECT_TRUE(preset_listed) << r.out;
}

TEST_F(ToyFamilyTest, TrainsCheckpointsSurvivesAKillResumesAndSamples) {
  // Uninterrupted, fast.
  CliResult whole = Cli({"train", "toy-gaussian", "--dataset", "qcd", "--name", "whole", "--seed", "1",
                         "--config", R"({"preset": "toy-slow", "step_ms": 0, "target_columns": ["mass_gev", "pt_gev"]})",
                         "--wait"});
  ASSERT_EQ(whole.code, 0) << whole.err << whole.out;

  // The same training, slow, killed after its first checkpoints.
  v1::SubmitTrainingRequest request;
  request.set_model_name("resumed");
  request.set_kind("toy-gaussian");
  request.mutable_training_data()->set_dataset("qcd");
  request.set_seed(1);
  request.add_target_columns("mass_gev");
  request.add_target_columns("pt_gev");
  request.set_config_json(R"({"preset": "toy-slow"})");
  absl::StatusOr<v1::Job> job = client_->SubmitTraining(request);
  ASSERT_TRUE(job.ok()) << job.status();
  const v1::Job running = WaitForJob(*client_, job->id(), [](const v1::Job& j) {
    return JobEnded(j) || j.progress().step() >= 12;
  });
  ASSERT_EQ(running.state(), v1::JOB_STATE_RUNNING) << "the job must still run when the server dies";
  server_->Stop(SIGKILL);

  StartToyServer();
  absl::StatusOr<v1::Job> interrupted = client_->GetJob(job->id());
  ASSERT_TRUE(interrupted.ok()) << interrupted.status();
  EXPECT_EQ(interrupted->state(), v1::JOB_STATE_INTERRUPTED);
  ASSERT_TRUE(client_->ResumeJob(job->id()).ok());
  const v1::Job done = WaitForJob(*client_, job->id(), JobEnded);
  ASSERT_EQ(done.state(), v1::JOB_STATE_SUCCEEDED) << done.error();

  absl::StatusOr<v1::Model> model = client_->GetModel("resumed", 0);
  ASSERT_TRUE(model.ok()) << model.status();
  const nlohmann::json metrics = nlohmann::json::parse(model->metrics_json());
  EXPECT_GE(metrics["resumed_from_step"].get<int64_t>(), 10) << "it continued from a checkpoint";
  EXPECT_LT(metrics["resumed_from_step"].get<int64_t>(), 40);

  const std::string resumed = SampleBytes("resumed");
  EXPECT_GT(resumed.size(), 2000u * 2 * 4);
  EXPECT_EQ(resumed, SampleBytes("whole")) << "a resumed fit must end where an uninterrupted one does";
}

TEST_F(ToyFamilyTest, BadConfigIsRefusedBeforeTheJobStarts) {
  CliResult r = Cli({"train", "toy-gaussian", "--dataset", "qcd", "--name", "bad", "--config",
                     R"({"target_columns": ["mass_gev"], "steps": 0})"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("config.steps must be an integer in [1, 100000], got 0"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace evgen::testing
