// Resuming jobs through a real evgend: a GAN job that was cancelled, or that
// a server stop interrupted, continues from its checkpoint under the same id
// and ends with a model whose training log is whole; jobs in other states
// and unknown ids are refused.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "client/evgen_client.h"
#include "core/io/atomic_file.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"
#include "tests/integration/restartable_server.h"
#include "tests/integration/job_polling.h"

namespace evgen::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kSteps = 3000;
constexpr int64_t kCheckpointEvery = 100;

v1::SubmitTrainingRequest GanTraining(const std::string& name) {
  v1::SubmitTrainingRequest r;
  r.set_model_name(name);
  r.set_kind("gan");
  r.mutable_training_data()->set_dataset("qcd");
  r.set_seed(3);
  r.set_device("cpu");
  const nlohmann::json config = {{"condition_columns", {"pt_gev", "eta", "n_track"}},
                                 {"target_columns", {"mass_gev"}},
                                 {"steps", kSteps},
                                 {"batch_size", 128},
                                 {"checkpoint_every", kCheckpointEvery},
                                 {"generator", {{"hidden", {16, 16}}}},
                                 {"discriminator", {{"hidden", {16, 16}}}},
                                 {"noise", {{"kind", "normal"}, {"dim", 4}}}};
  r.set_config_json(config.dump());
  return r;
}

v1::SubmitTrainingRequest TemplateTraining(const std::string& name) {
  v1::SubmitTrainingRequest r;
  r.set_model_name(name);
  r.set_kind("template");
  r.mutable_training_data()->set_dataset("qcd");
  return r;
}

// ReadJsonLines reads a train.jsonl; an unreadable file reads as no lines.
std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return out;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipWhitespace())) {
    out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

// ExpectWholeLog checks that a stored model's training log runs from the
// first report to the last step, each step once and the clock never back.
void ExpectWholeLog(const std::string& path) {
  std::vector<nlohmann::json> log = ReadJsonLines(path);
  ASSERT_FALSE(log.empty()) << path;
  EXPECT_LE(log.front()["step"].get<int64_t>(), kSteps / 100) << "the log lost its start";
  EXPECT_EQ(log.back()["step"].get<int64_t>(), kSteps);
  for (size_t i = 1; i < log.size(); ++i) {
    EXPECT_GT(log[i]["step"].get<int64_t>(), log[i - 1]["step"].get<int64_t>()) << "line " << i;
    EXPECT_GE(log[i]["elapsed_s"].get<double>(), log[i - 1]["elapsed_s"].get<double>())
        << "line " << i;
  }
}

int StoredResumes(const std::string& data_dir, const std::string& id) {
  absl::StatusOr<std::string> text = ReadFileToString(data_dir + "/jobs/" + id + ".json");
  return text.ok() ? nlohmann::json::parse(*text).value("resumes", -1) : -1;
}

class JobResumeTest : public RestartableServerTest {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("evgen-resume");
    StartServer();
    ASSERT_EQ(RunCliCapture(address(), {"datasets", "generate", "qcd-multijet", "-n", "20000",
                                        "--name", "qcd"})
                  .code,
              0);
  }

  std::string address() const { return server_->address(); }
  std::string CheckpointDir(const std::string& id) const { return dir_ + "/checkpoints/" + id; }

  v1::Job WaitFor(const std::string& id, const std::function<bool(const v1::Job&)>& done,
                  std::chrono::seconds limit = std::chrono::seconds(60)) {
    return WaitForJob(*client_, id, done, limit);
  }

  // SubmitAndRunPast submits a GAN job and waits until it trained `step` steps.
  std::string SubmitAndRunPast(const std::string& model, int64_t step) {
    absl::StatusOr<v1::Job> job = client_->SubmitTraining(GanTraining(model));
    EXPECT_TRUE(job.ok()) << job.status();
    if (!job.ok()) return "";
    v1::Job running = WaitFor(
        job->id(), [step](const v1::Job& j) { return JobEnded(j) || j.progress().step() >= step; });
    EXPECT_EQ(running.state(), v1::JOB_STATE_RUNNING) << "the job must still run; make it longer";
    return job->id();
  }

  // ResumeWithCli runs `evgen jobs resume ID --wait` while polling the job,
  // and returns the smallest step the resumed run reported.
  int64_t ResumeWithCli(const std::string& id) {
    const v1::Job before = *client_->GetJob(id);
    CliResult cli;
    std::thread resume([&] { cli = RunCliCapture(address(), {"jobs", "resume", id, "--wait"}); });
    int64_t first_step = kSteps + 1;
    WaitFor(id, [&](const v1::Job& j) {
      // Until its first report the queued or running record still shows the
      // progress the earlier run left.
      const bool resumed =
          j.state() == v1::JOB_STATE_RUNNING || j.state() == v1::JOB_STATE_SUCCEEDED;
      if (resumed && j.progress().step() != before.progress().step()) {
        first_step = std::min<int64_t>(first_step, j.progress().step());
      }
      return j.state() == v1::JOB_STATE_SUCCEEDED || j.state() == v1::JOB_STATE_FAILED;
    });
    resume.join();
    EXPECT_EQ(cli.code, 0) << cli.err;
    EXPECT_NE(cli.out.find(id), std::string::npos) << cli.out;
    return first_step;
  }

  // ExpectFinished checks the resumed job's model, log and record.
  void ExpectFinished(const std::string& id, const std::string& model) {
    absl::StatusOr<v1::Job> job = client_->GetJob(id);
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED) << job->error();
    EXPECT_EQ(job->model_version(), 1);
    EXPECT_TRUE(job->error().empty()) << job->error();
    absl::StatusOr<v1::Model> stored = client_->GetModel(model, 0);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->version(), 1);
    ExpectWholeLog(dir_ + "/models/" + model + "/1/train.jsonl");
    EXPECT_FALSE(fs::exists(CheckpointDir(id))) << "a succeeded job keeps no checkpoints";
    EXPECT_EQ(StoredResumes(dir_, id), 1);
    EXPECT_EQ(job->resumes(), 1);
  }

  // RestartAndResume stops evgend with `signal` while a GAN job runs, starts
  // a new one on the same data directory and resumes the job there.
  void RestartAndResume(int signal, const std::string& model) {
    const std::string id = SubmitAndRunPast(model, 3 * kCheckpointEvery);
    ASSERT_FALSE(id.empty());
    const int code = server_->Stop(signal);
    if (signal == SIGTERM) {
      EXPECT_EQ(code, 0) << "a clean stop exits 0";
    }
    EXPECT_TRUE(fs::exists(CheckpointDir(id) + "/fit.ckpt"));

    StartServer();
    absl::StatusOr<v1::Job> interrupted = client_->GetJob(id);
    ASSERT_TRUE(interrupted.ok()) << interrupted.status();
    EXPECT_EQ(interrupted->state(), v1::JOB_STATE_INTERRUPTED);
    EXPECT_FALSE(interrupted->error().empty());
    // It continued from a checkpoint at step >= 200 instead of starting over.
    EXPECT_GT(ResumeWithCli(id), kCheckpointEvery);
    ExpectFinished(id, model);
  }

};

TEST_F(JobResumeTest, CancelledGanJobKeepsItsCheckpointAndResumesToAModel) {
  EXPECT_TRUE(fs::is_directory(dir_ + "/checkpoints"));
  const std::string id = SubmitAndRunPast("gan-cancelled", 2 * kCheckpointEvery);
  ASSERT_FALSE(id.empty());
  const auto asked = Clock::now();
  absl::StatusOr<v1::Job> cancel = client_->CancelJob(id);
  ASSERT_TRUE(cancel.ok()) << cancel.status();
  const v1::Job cancelled = WaitFor(id, JobEnded, std::chrono::seconds(10));
  EXPECT_EQ(cancelled.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_LT(Clock::now() - asked, std::chrono::seconds(3)) << "cancel must stop a GAN promptly";

  EXPECT_TRUE(fs::exists(CheckpointDir(id) + "/fit.ckpt"));
  std::vector<nlohmann::json> saved_log = ReadJsonLines(CheckpointDir(id) + "/train.jsonl");
  ASSERT_FALSE(saved_log.empty());
  EXPECT_LE(saved_log.back()["step"].get<int64_t>(), cancelled.progress().step());

  EXPECT_GT(ResumeWithCli(id), kCheckpointEvery);
  ExpectFinished(id, "gan-cancelled");
}

TEST_F(JobResumeTest, JobInterruptedBySigtermResumesFromItsCheckpoint) {
  RestartAndResume(SIGTERM, "gan-sigterm");
}

TEST_F(JobResumeTest, SigtermSavesTheStepReachedNotOnlyThePeriodicCheckpoints) {
  v1::SubmitTrainingRequest request = GanTraining("gan-no-periodic");
  nlohmann::json config = nlohmann::json::parse(request.config_json());
  config["checkpoint_every"] = 1000000;  // no periodic checkpoint before the end
  request.set_config_json(config.dump());
  absl::StatusOr<v1::Job> job = client_->SubmitTraining(request);
  ASSERT_TRUE(job.ok()) << job.status();
  const v1::Job running =
      WaitFor(job->id(), [](const v1::Job& j) { return JobEnded(j) || j.progress().step() >= 300; });
  ASSERT_EQ(running.state(), v1::JOB_STATE_RUNNING) << "the job must still run; make it longer";
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  EXPECT_TRUE(fs::exists(CheckpointDir(job->id()) + "/fit.ckpt")) << "the stop saved the step reached";
  StartServer();
  EXPECT_GE(ResumeWithCli(job->id()), running.progress().step()) << "it started over instead of resuming";
  ExpectFinished(job->id(), "gan-no-periodic");
}

TEST_F(JobResumeTest, JobInterruptedBySigkillResumesFromItsCheckpoint) {
  RestartAndResume(SIGKILL, "gan-sigkill");
}

TEST_F(JobResumeTest, FinishedAndUnknownJobsAreRefused) {
  absl::StatusOr<v1::Job> job = client_->SubmitTraining(TemplateTraining("tpl"));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(WaitFor(job->id(), JobEnded).state(), v1::JOB_STATE_SUCCEEDED);
  absl::Status finished = client_->ResumeJob(job->id()).status();
  EXPECT_EQ(finished.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(finished.message().find("is succeeded; only interrupted or cancelled"),
            std::string::npos)
      << finished;
  EXPECT_EQ(client_->ResumeJob("job-000000000000").status().code(), absl::StatusCode::kNotFound);
  CliResult cli = RunCliCapture(address(), {"jobs", "resume", "job-000000000000"});
  EXPECT_EQ(cli.code, 1);
  EXPECT_NE(cli.err.find("NOT_FOUND"), std::string::npos) << cli.err;
}

TEST_F(JobResumeTest, CancelledTemplateJobRefitsOnceItsDatasetIsBack) {
  // One worker: the last of several submits is still queued when cancelled.
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<v1::Job> job =
        client_->SubmitTraining(TemplateTraining("tpl-" + std::to_string(i)));
    ASSERT_TRUE(job.ok()) << job.status();
    ids.push_back(job->id());
  }
  const std::string last = ids.back();
  ASSERT_TRUE(client_->CancelJob(last).ok());
  for (const std::string& id : ids) WaitFor(id, JobEnded);
  ASSERT_EQ(client_->GetJob(last)->state(), v1::JOB_STATE_CANCELLED);

  // The request is validated again: a deleted dataset refuses the resume.
  ASSERT_TRUE(client_->DeleteDataset("qcd").ok());
  absl::Status gone = client_->ResumeJob(last).status();
  EXPECT_EQ(gone.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(gone.message().find("qcd"), std::string::npos) << gone;
  EXPECT_EQ(client_->GetJob(last)->state(), v1::JOB_STATE_CANCELLED);

  ASSERT_EQ(RunCliCapture(address(),
                          {"datasets", "generate", "qcd-multijet", "-n", "20000", "--name", "qcd"})
                .code,
            0);
  CliResult cli = RunCliCapture(address(), {"--json", "jobs", "resume", last});
  ASSERT_EQ(cli.code, 0) << cli.err;
  EXPECT_EQ(nlohmann::json::parse(cli.out).value("id", ""), last);
  EXPECT_EQ(WaitFor(last, JobEnded).state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_TRUE(client_->GetModel("tpl-3", 0).ok());
  EXPECT_EQ(StoredResumes(dir_, last), 1);
  CliResult shown = RunCliCapture(address(), {"jobs", "get", last});
  EXPECT_NE(shown.out.find("resumed: 1 time\n"), std::string::npos) << shown.out;
}

}  // namespace
}  // namespace evgen::testing
