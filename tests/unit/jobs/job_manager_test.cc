#include "core/jobs/job_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/io/atomic_file.h"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using ::evgen::testing::FreshDir;
namespace fs = std::filesystem;

JobManagerConfig Config(int workers, int max_queued, std::string checkpoint_root = "") {
  JobManagerConfig config;
  config.workers = workers;
  config.max_queued = max_queued;
  config.checkpoint_root = std::move(checkpoint_root);
  return config;
}

// Succeed is a job function that records where it ran.
struct RunSeen {
  std::string id;
  std::string checkpoint_dir;
  bool checkpoint_found = false;
};
JobFunction Succeed(RunSeen* seen) {
  return [seen](JobContext& ctx) -> absl::StatusOr<nlohmann::json> {
    seen->id = ctx.id();
    seen->checkpoint_dir = ctx.checkpoint_dir();
    seen->checkpoint_found = fs::exists(ctx.checkpoint_dir() + "/fit.ckpt");
    return nlohmann::json{{"version", 1}};
  };
}

// CheckpointThenWait writes a checkpoint, then runs until cancelled.
JobFunction CheckpointThenWait(std::atomic<bool>* started) {
  return [started](JobContext& ctx) -> absl::StatusOr<nlohmann::json> {
    if (!fs::is_directory(ctx.checkpoint_dir())) return absl::InternalError("no checkpoint dir");
    if (absl::Status s = WriteFileAtomically(ctx.checkpoint_dir() + "/fit.ckpt", "state");
        !s.ok()) {
      return s;
    }
    *started = true;
    while (!ctx.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return absl::CancelledError("stopped");
  };
}

void WaitFor(const std::atomic<bool>& flag) {
  while (!flag) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

JobRecord WaitForEnd(JobManager& jobs, const std::string& id) {
  for (int i = 0; i < 1000; ++i) {
    JobRecord r = *jobs.Get(id);
    if (IsTerminal(r.state)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *jobs.Get(id);
}

TEST(JobManagerTest, RunsJobsAndReportsProgressToListeners) {
  JobStore store(FreshDir("jobs-run"));
  ASSERT_TRUE(store.Init().ok());
  JobManager jobs(&store, Config(1, 4));
  absl::StatusOr<JobRecord> submitted = jobs.Submit("train", {{"model_name", "m"}}, [](JobContext& ctx) {
    for (int step = 1; step <= 3; ++step) {
      TrainingProgress p;
      p.step = step;
      p.total_steps = 3;
      ctx.Report(p, 100, 3 - step);
    }
    return absl::StatusOr<nlohmann::json>(nlohmann::json{{"version", 1}});
  });
  ASSERT_TRUE(submitted.ok());
  EXPECT_EQ(submitted->state, JobState::kQueued);
  std::vector<JobState> seen;
  std::vector<int64_t> steps;
  std::mutex mu;
  int64_t token = *jobs.Subscribe(submitted->id, [&](const JobRecord& r) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(r.state);
    steps.push_back(r.progress.step);
  });
  JobRecord done = WaitForEnd(jobs, submitted->id);
  jobs.Unsubscribe(token);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.result["version"], 1);
  EXPECT_EQ(done.progress.step, 3);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), JobState::kSucceeded);
  // Every revision of the record went to disk at the end.
  std::vector<JobRecord> stored = store.LoadAll();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].state, JobState::kSucceeded);
}

TEST(JobManagerTest, FailuresExceptionsAndCancellationAreRecorded) {
  JobStore store(FreshDir("jobs-fail"));
  ASSERT_TRUE(store.Init().ok());
  JobManager jobs(&store, Config(1, 4));
  auto failing = *jobs.Submit("train", {}, [](JobContext&) -> absl::StatusOr<nlohmann::json> {
    return absl::InvalidArgumentError("bad column");
  });
  auto throwing = *jobs.Submit("train", {}, [](JobContext&) -> absl::StatusOr<nlohmann::json> {
    throw std::runtime_error("boom");
  });
  std::atomic<bool> started{false};
  auto looping = *jobs.Submit("train", {}, [&](JobContext& ctx) -> absl::StatusOr<nlohmann::json> {
    started = true;
    while (!ctx.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return absl::CancelledError("stopped");
  });
  EXPECT_EQ(WaitForEnd(jobs, failing.id).error, "bad column");
  EXPECT_EQ(WaitForEnd(jobs, throwing.id).state, JobState::kFailed);
  EXPECT_NE(jobs.Get(throwing.id)->error.find("boom"), std::string::npos);
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(jobs.Cancel(looping.id).ok());
  EXPECT_EQ(WaitForEnd(jobs, looping.id).state, JobState::kCancelled);
  EXPECT_EQ(jobs.Cancel(looping.id).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(jobs.Cancel("job-nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(JobManagerTest, QueueIsBoundedAndUnfinishedJobsAreInterruptedAcrossRestarts) {
  const std::string dir = FreshDir("jobs-restart");
  JobStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  std::atomic<bool> release{false};
  std::string running_id;
  {
    JobManager jobs(&store, Config(1, 2));
    auto blocker = [&](JobContext& ctx) -> absl::StatusOr<nlohmann::json> {
      while (!release && !ctx.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return absl::CancelledError("stopped");
    };
    running_id = jobs.Submit("train", {}, blocker)->id;
    while (jobs.Get(running_id)->state != JobState::kRunning) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(jobs.Submit("train", {}, blocker).ok());
    ASSERT_TRUE(jobs.Submit("train", {}, blocker).ok());
    absl::Status full = jobs.Submit("train", {}, blocker).status();
    EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(full.message().find("limit of 2"), std::string::npos);
    jobs.Shutdown();
    EXPECT_EQ(jobs.Get(running_id)->state, JobState::kInterrupted);
  }
  // A record left "running" by a crash is interrupted on recovery.
  JobRecord crashed;
  crashed.id = "job-crashed";
  crashed.type = "train";
  crashed.state = JobState::kRunning;
  ASSERT_TRUE(store.Save(crashed).ok());
  JobManager recovered(&store, Config(1, 2));
  recovered.Recover();
  std::vector<JobRecord> all = recovered.List();
  ASSERT_EQ(all.size(), 4u);
  for (const JobRecord& r : all) EXPECT_EQ(r.state, JobState::kInterrupted) << r.id;
}

TEST(JobManagerTest, InterruptedJobsResumeUnderTheirIdWithTheirCheckpointDir) {
  const std::string root = FreshDir("jobs-resume-interrupted");
  const std::string checkpoints = root + "/checkpoints";
  JobStore store(root + "/jobs");
  ASSERT_TRUE(store.Init().ok());
  std::string stopped_id;
  {
    // A job that checkpointed, then was stopped by a shutdown.
    JobManager jobs(&store, Config(1, 2, checkpoints));
    std::atomic<bool> started{false};
    stopped_id = jobs.Submit("train", {{"model_name", "m"}}, CheckpointThenWait(&started))->id;
    WaitFor(started);
    jobs.Shutdown();
    EXPECT_EQ(jobs.Get(stopped_id)->state, JobState::kInterrupted);
  }
  EXPECT_TRUE(fs::exists(checkpoints + "/" + stopped_id + "/fit.ckpt"));
  // A record a crash left running, from before `resumes` existed.
  ASSERT_TRUE(WriteFileAtomically(root + "/jobs/job-crashed.json",
                                  R"({"id": "job-crashed", "type": "train", "state": "running",
                                      "progress": {"step": 40, "total_steps": 100}})")
                  .ok());

  JobManager jobs(&store, Config(1, 2, checkpoints));
  jobs.Recover();
  ASSERT_EQ(jobs.Get("job-crashed")->state, JobState::kInterrupted);
  EXPECT_EQ(jobs.Get("job-crashed")->resumes, 0);
  for (const std::string& id : {stopped_id, std::string("job-crashed")}) {
    RunSeen seen;
    absl::StatusOr<JobRecord> resumed = jobs.Resume(id, Succeed(&seen));
    ASSERT_TRUE(resumed.ok()) << resumed.status();
    EXPECT_EQ(resumed->state, JobState::kQueued);
    EXPECT_EQ(resumed->resumes, 1);
    EXPECT_TRUE(resumed->error.empty()) << resumed->error;
    EXPECT_EQ(resumed->finished_unix_ms, 0);
    JobRecord done = WaitForEnd(jobs, id);
    EXPECT_EQ(done.state, JobState::kSucceeded) << done.error;
    EXPECT_EQ(seen.id, id);
    EXPECT_EQ(seen.checkpoint_dir, checkpoints + "/" + id);
    EXPECT_EQ(seen.checkpoint_found, id == stopped_id) << id;
    // The model holds what the job made: its checkpoints are gone.
    EXPECT_FALSE(fs::exists(seen.checkpoint_dir)) << id;
  }
  // The resume count is stored with the record.
  for (const JobRecord& r : store.LoadAll()) EXPECT_EQ(r.resumes, 1) << r.id;
}

TEST(JobManagerTest, CancelledJobsKeepTheirCheckpointsAndResume) {
  const std::string checkpoints = FreshDir("jobs-resume-cancelled") + "/checkpoints";
  JobStore store(FreshDir("jobs-resume-cancelled-store"));
  ASSERT_TRUE(store.Init().ok());
  JobManager jobs(&store, Config(1, 4, checkpoints));
  std::atomic<bool> started{false};
  const std::string id = jobs.Submit("train", {}, CheckpointThenWait(&started))->id;
  WaitFor(started);
  ASSERT_TRUE(jobs.Cancel(id).ok());
  EXPECT_EQ(WaitForEnd(jobs, id).state, JobState::kCancelled);
  EXPECT_TRUE(fs::exists(checkpoints + "/" + id + "/fit.ckpt"));

  // A failed run keeps them as well.
  auto fail_once = [](JobContext&) -> absl::StatusOr<nlohmann::json> {
    return absl::InvalidArgumentError("bad column");
  };
  ASSERT_TRUE(jobs.Resume(id, fail_once).ok());
  EXPECT_EQ(WaitForEnd(jobs, id).state, JobState::kFailed);
  EXPECT_TRUE(fs::exists(checkpoints + "/" + id + "/fit.ckpt"));
  absl::Status failed = jobs.Resume(id, fail_once).status();
  EXPECT_EQ(failed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(failed.message().find("is failed"), std::string::npos) << failed;

  // Another cancelled job resumes to success.
  started = false;
  const std::string second = jobs.Submit("train", {}, CheckpointThenWait(&started))->id;
  WaitFor(started);
  ASSERT_TRUE(jobs.Cancel(second).ok());
  ASSERT_EQ(WaitForEnd(jobs, second).state, JobState::kCancelled);
  RunSeen seen;
  absl::StatusOr<JobRecord> resumed = jobs.Resume(second, Succeed(&seen));
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(WaitForEnd(jobs, second).state, JobState::kSucceeded);
  EXPECT_EQ(jobs.Get(second)->error, "");
  EXPECT_TRUE(seen.checkpoint_found);
  EXPECT_FALSE(fs::exists(checkpoints + "/" + second));
}

TEST(JobManagerTest, ResumeRefusesOtherStatesUnknownIdsAFullQueueAndShutdown) {
  JobStore store(FreshDir("jobs-resume-refused"));
  ASSERT_TRUE(store.Init().ok());
  JobManager jobs(&store, Config(1, 1, FreshDir("jobs-resume-refused-ckpt")));
  RunSeen seen;
  const std::string done = jobs.Submit("train", {}, Succeed(&seen))->id;
  ASSERT_EQ(WaitForEnd(jobs, done).state, JobState::kSucceeded);
  absl::Status succeeded = jobs.Resume(done, Succeed(&seen)).status();
  EXPECT_EQ(succeeded.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(succeeded.message(), "job: '" + done +
                                     "' is succeeded; only interrupted or cancelled jobs can be "
                                     "resumed");

  std::atomic<bool> started{false};
  const std::string running = jobs.Submit("train", {}, CheckpointThenWait(&started))->id;
  WaitFor(started);
  absl::Status busy = jobs.Resume(running, Succeed(&seen)).status();
  EXPECT_EQ(busy.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(busy.message().find("is running"), std::string::npos) << busy;
  EXPECT_EQ(jobs.Resume("job-nope", Succeed(&seen)).status().code(), absl::StatusCode::kNotFound);

  // One queued job fills the queue of one: a cancelled job cannot rejoin it.
  const std::string queued = jobs.Submit("train", {}, Succeed(&seen))->id;
  ASSERT_TRUE(jobs.Cancel(queued).ok());
  const std::string waiting = jobs.Submit("train", {}, Succeed(&seen))->id;
  EXPECT_EQ(jobs.Resume(queued, Succeed(&seen)).status().code(),
            absl::StatusCode::kResourceExhausted);

  jobs.Shutdown();
  EXPECT_EQ(jobs.Get(waiting)->state, JobState::kInterrupted);
  EXPECT_EQ(jobs.Resume(waiting, Succeed(&seen)).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace evgen
