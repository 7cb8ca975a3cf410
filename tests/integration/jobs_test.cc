// Jobs through a real evgend: progress streams, cancel, and what a restart
// keeps (datasets, models, job records; unfinished jobs become interrupted).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "client/evgen_client.h"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

v1::SubmitTrainingRequest Training(const std::string& name) {
  v1::SubmitTrainingRequest r;
  r.set_model_name(name);
  r.set_kind("template");
  r.mutable_training_data()->set_dataset("qcd");
  return r;
}

TEST(JobsTest, WatchStreamsProgressUntilTheJobSucceeds) {
  const std::string dir = MakeTempDir("evgen-jobs-watch");
  auto server = EvgendProcess::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  EvgenClient client((*server)->address());
  ASSERT_EQ(RunCliCapture((*server)->address(), {"datasets", "generate", "qcd-multijet", "-n", "20000",
                                                 "--name", "qcd"}).code, 0);
  absl::StatusOr<v1::Job> job = client.SubmitTraining(Training("tpl"));
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_FALSE(job->id().empty());
  std::vector<v1::Job> updates;
  absl::StatusOr<v1::Job> last = client.WatchJob(job->id(), [&](const v1::Job& j) { updates.push_back(j); });
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(last->model_version(), 1);
  EXPECT_EQ(last->progress().step(), last->progress().total_steps());
  EXPECT_GT(last->progress().total_steps(), 0);
  ASSERT_FALSE(updates.empty());
  // A watch that starts after the end still yields the final record.
  absl::StatusOr<v1::Job> again = client.WatchJob(job->id(), [](const v1::Job&) {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state(), v1::JOB_STATE_SUCCEEDED);
  // Cancelling a finished job is refused; unknown ids are NOT_FOUND.
  EXPECT_EQ(client.CancelJob(job->id()).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(client.GetJob("job-000000000000").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client.WatchJob("job-000000000000", [](const v1::Job&) {}).status().code(),
            absl::StatusCode::kNotFound);
  // A second training of the same name makes version 2.
  absl::StatusOr<v1::Job> second = client.SubmitTraining(Training("tpl"));
  ASSERT_TRUE(second.ok());
  absl::StatusOr<v1::Job> second_done = client.WatchJob(second->id(), [](const v1::Job&) {});
  ASSERT_TRUE(second_done.ok());
  EXPECT_EQ(second_done->model_version(), 2);
  std::filesystem::remove_all(dir);
}

TEST(JobsTest, QueuedJobCancelsAndRestartKeepsStateAndInterruptsUnfinishedJobs) {
  const std::string dir = MakeTempDir("evgen-jobs-restart");
  auto server = EvgendProcess::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  {
    EvgenClient client((*server)->address());
    ASSERT_EQ(RunCliCapture((*server)->address(), {"datasets", "generate", "qcd-multijet", "-n", "400000",
                                                   "--name", "qcd"}).code, 0);
    ASSERT_EQ(RunCliCapture((*server)->address(),
                            {"train", "template", "--dataset", "qcd", "--name", "kept", "--wait"}).code, 0);
    // One worker: the first job runs, the rest wait in the queue (each fit
    // of ~750k control jets takes far longer than the submits).
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) {
      absl::StatusOr<v1::Job> job = client.SubmitTraining(Training("busy"));
      ASSERT_TRUE(job.ok()) << job.status();
      ids.push_back(job->id());
    }
    absl::StatusOr<v1::Job> cancelled = client.CancelJob(ids.back());
    ASSERT_TRUE(cancelled.ok()) << cancelled.status();
    EXPECT_EQ(cancelled->state(), v1::JOB_STATE_CANCELLED);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.SubmitTraining(Training("late")).ok());
  }
  // Kill without warning, as a crash or an evicted pod would.
  (*server)->Stop(SIGKILL);

  auto restarted = EvgendProcess::Start(dir);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EvgenClient client((*restarted)->address());
  absl::StatusOr<v1::ListDatasetsResponse> datasets = client.ListDatasets();
  ASSERT_TRUE(datasets.ok());
  ASSERT_EQ(datasets->datasets_size(), 1);
  EXPECT_EQ(datasets->datasets(0).name(), "qcd");
  absl::StatusOr<v1::Model> kept = client.GetModel("kept", 0);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->version(), 1);
  absl::StatusOr<v1::ListJobsResponse> jobs = client.ListJobs();
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->jobs_size(), 10);
  int interrupted = 0, cancelled = 0;
  for (const v1::Job& job : jobs->jobs()) {
    EXPECT_NE(job.state(), v1::JOB_STATE_QUEUED) << job.id();
    EXPECT_NE(job.state(), v1::JOB_STATE_RUNNING) << job.id();
    interrupted += job.state() == v1::JOB_STATE_INTERRUPTED;
    cancelled += job.state() == v1::JOB_STATE_CANCELLED;
  }
  EXPECT_EQ(cancelled, 1);
  EXPECT_GE(interrupted, 1);
  // A model written before the crash still samples.
  v1::SampleRequest r;
  r.set_model("kept");
  r.set_n(1000);
  r.mutable_conditions_from()->set_dataset("qcd");
  EXPECT_TRUE(client.Sample(r, [](const v1::SampleChunk&) { return absl::OkStatus(); }).ok());
  // A clean stop (SIGTERM) exits 0.
  EXPECT_EQ((*restarted)->Stop(SIGTERM), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen::testing
