#include "core/train/job_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using ::evgen::testing::FreshDir;

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
  JobManager jobs(&store, {1, 4});
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
  JobManager jobs(&store, {1, 4});
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
    JobManager jobs(&store, {1, 2});
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
  JobManager recovered(&store, {1, 2});
  recovered.Recover();
  std::vector<JobRecord> all = recovered.List();
  ASSERT_EQ(all.size(), 4u);
  for (const JobRecord& r : all) EXPECT_EQ(r.state, JobState::kInterrupted) << r.id;
}

}  // namespace
}  // namespace evgen
