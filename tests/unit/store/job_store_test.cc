#include "core/store/job_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

namespace fs = std::filesystem;
using ::evgen::testing::FreshDir;

constexpr JobState kAllStates[] = {JobState::kQueued,    JobState::kRunning,
                                   JobState::kSucceeded, JobState::kFailed,
                                   JobState::kCancelled, JobState::kInterrupted};

// FullRecord sets every field to a value other than its default, so that a
// field the store forgets shows up as a difference.
JobRecord FullRecord(const std::string& id) {
  JobRecord r;
  r.id = id;
  r.type = "train";
  r.state = JobState::kRunning;
  r.request = {{"model", "jet-mass-gan"}, {"steps", 500}};
  r.progress.step = 120;
  r.progress.total_steps = 500;
  r.progress.losses = {{"d", 0.75}, {"g", 1.5}};
  r.progress.validation_metric = 0.031;
  r.progress.message = "epoch 3";
  r.events_per_second = 2500.5;
  r.eta_seconds = 42.25;
  r.error = "none yet";
  r.result = {{"model_version", 3}};
  r.created_unix_ms = 1700000000000;
  r.started_unix_ms = 1700000001000;
  r.finished_unix_ms = 1700000002000;
  r.revision = 17;
  r.resumes = 2;
  return r;
}

void ExpectSameRecord(const JobRecord& a, const JobRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.request, b.request);
  EXPECT_EQ(a.progress.step, b.progress.step);
  EXPECT_EQ(a.progress.total_steps, b.progress.total_steps);
  EXPECT_EQ(a.progress.losses, b.progress.losses);
  EXPECT_EQ(a.progress.validation_metric, b.progress.validation_metric);
  EXPECT_EQ(a.progress.message, b.progress.message);
  EXPECT_EQ(a.events_per_second, b.events_per_second);
  EXPECT_EQ(a.eta_seconds, b.eta_seconds);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.result, b.result);
  EXPECT_EQ(a.created_unix_ms, b.created_unix_ms);
  EXPECT_EQ(a.started_unix_ms, b.started_unix_ms);
  EXPECT_EQ(a.finished_unix_ms, b.finished_unix_ms);
  EXPECT_EQ(a.revision, b.revision);
  EXPECT_EQ(a.resumes, b.resumes);
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> SortedIds(const std::vector<JobRecord>& records) {
  std::vector<std::string> ids;
  for (const JobRecord& r : records) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(JobStateTest, NamesAndTerminalStates) {
  EXPECT_EQ(JobStateName(JobState::kQueued), "queued");
  EXPECT_EQ(JobStateName(JobState::kRunning), "running");
  EXPECT_EQ(JobStateName(JobState::kSucceeded), "succeeded");
  EXPECT_EQ(JobStateName(JobState::kFailed), "failed");
  EXPECT_EQ(JobStateName(JobState::kCancelled), "cancelled");
  EXPECT_EQ(JobStateName(JobState::kInterrupted), "interrupted");
  EXPECT_FALSE(IsTerminal(JobState::kQueued));
  EXPECT_FALSE(IsTerminal(JobState::kRunning));
  EXPECT_TRUE(IsTerminal(JobState::kSucceeded));
  EXPECT_TRUE(IsTerminal(JobState::kFailed));
  EXPECT_TRUE(IsTerminal(JobState::kCancelled));
  EXPECT_TRUE(IsTerminal(JobState::kInterrupted));
}

TEST(JobRecordTest, JsonKeepsEveryFieldInEveryState) {
  for (JobState state : kAllStates) {
    JobRecord record = FullRecord("j1");
    record.state = state;
    absl::StatusOr<JobRecord> back = JobRecord::FromJson(record.ToJson());
    ASSERT_TRUE(back.ok()) << back.status();
    ExpectSameRecord(*back, record);
  }
}

// Records written before a field existed still read, with its default.
TEST(JobRecordTest, OptionalFieldsDefaultWhenAbsent) {
  const nlohmann::json old = {{"id", "j0"},
                               {"type", "train"},
                               {"state", "succeeded"},
                               {"progress", nlohmann::json::object()}};
  absl::StatusOr<JobRecord> r = JobRecord::FromJson(old);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->state, JobState::kSucceeded);
  EXPECT_EQ(r->resumes, 0);
  EXPECT_EQ(r->revision, 0);
  EXPECT_EQ(r->eta_seconds, -1);
  EXPECT_EQ(r->progress.validation_metric, -1);
  EXPECT_TRUE(r->request.is_object());
  EXPECT_TRUE(r->result.is_object());
}

TEST(JobRecordTest, MalformedRecordsAreDataLoss) {
  nlohmann::json unknown_state = FullRecord("j1").ToJson();
  unknown_state["state"] = "paused";
  absl::Status s = JobRecord::FromJson(unknown_state).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("paused"), std::string::npos) << s;

  for (const char* required : {"id", "type", "state", "progress"}) {
    nlohmann::json j = FullRecord("j1").ToJson();
    j.erase(required);
    EXPECT_EQ(JobRecord::FromJson(j).status().code(), absl::StatusCode::kDataLoss) << required;
  }
  nlohmann::json wrong_type = FullRecord("j1").ToJson();
  wrong_type["id"] = 7;
  EXPECT_EQ(JobRecord::FromJson(wrong_type).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(JobRecord::FromJson(nlohmann::json::array()).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(JobStoreTest, InitCreatesTheDirectoryAndAnEmptyStoreLoadsNothing) {
  const std::string dir = FreshDir("jobs-empty") + "/jobs";
  JobStore store(dir);
  EXPECT_TRUE(store.LoadAll().empty());  // before Init: no directory yet
  ASSERT_TRUE(store.Init().ok());
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(store.LoadAll().empty());
}

// A restarted server (a new JobStore on the same directory) knows every job.
TEST(JobStoreTest, SavedRecordsSurviveARestart) {
  const std::string dir = FreshDir("jobs-restart");
  {
    JobStore store(dir);
    ASSERT_TRUE(store.Init().ok());
    JobRecord done = FullRecord("a");
    done.state = JobState::kSucceeded;
    ASSERT_TRUE(store.Save(done).ok());
    ASSERT_TRUE(store.Save(FullRecord("b")).ok());
  }
  JobStore reopened(dir);
  ASSERT_TRUE(reopened.Init().ok());
  std::vector<JobRecord> loaded = reopened.LoadAll();
  ASSERT_EQ(SortedIds(loaded), (std::vector<std::string>{"a", "b"}));
  for (const JobRecord& r : loaded) {
    JobRecord expected = FullRecord(r.id);
    if (r.id == "a") expected.state = JobState::kSucceeded;
    ExpectSameRecord(r, expected);
  }
}

// One file per job: saving a job again replaces its record, and the atomic
// write leaves no temporary file beside it.
TEST(JobStoreTest, SavingAgainReplacesTheJobsOneFile) {
  const std::string dir = FreshDir("jobs-resave");
  JobStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  JobRecord r = FullRecord("j");
  ASSERT_TRUE(store.Save(r).ok());
  r.state = JobState::kFailed;
  r.error = "out of memory";
  r.revision = 18;
  ASSERT_TRUE(store.Save(r).ok());

  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(files, std::vector<std::string>{"j.json"});
  std::vector<JobRecord> loaded = store.LoadAll();
  ASSERT_EQ(loaded.size(), 1u);
  ExpectSameRecord(loaded[0], r);
}

// LoadAll skips what it cannot read and still returns every good record.
TEST(JobStoreTest, UnreadableFilesAreSkipped) {
  const std::string dir = FreshDir("jobs-corrupt");
  JobStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  ASSERT_TRUE(store.Save(FullRecord("good")).ok());
  const std::string good = FullRecord("cut").ToJson().dump(2);
  WriteText(dir + "/cut.json", good.substr(0, good.size() / 2));  // truncated by a crash
  WriteText(dir + "/empty.json", "");
  WriteText(dir + "/binary.json", std::string("\x00\xff\x13", 3));
  nlohmann::json unknown_state = FullRecord("odd").ToJson();
  unknown_state["state"] = "paused";
  WriteText(dir + "/odd.json", unknown_state.dump());
  WriteText(dir + "/list.json", "[1, 2, 3]");
  fs::create_directories(dir + "/dir.json");
  // Files that are not records at all, valid JSON or not.
  WriteText(dir + "/notes.txt", FullRecord("txt").ToJson().dump());
  WriteText(dir + "/README", "jobs live here");

  std::vector<JobRecord> loaded = store.LoadAll();
  ASSERT_EQ(SortedIds(loaded), std::vector<std::string>{"good"});
  ExpectSameRecord(loaded[0], FullRecord("good"));
}

// A write cut short by a crash leaves its temporary file; it is not a record,
// and Init clears it away.
TEST(JobStoreTest, LeftoverTemporaryFilesAreIgnoredAndCleanedUp) {
  const std::string dir = FreshDir("jobs-leftover");
  JobStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  ASSERT_TRUE(store.Save(FullRecord("kept")).ok());
  const std::string leftover = dir + "/lost.json.tmp.12345.0";
  WriteText(leftover, FullRecord("lost").ToJson().dump(2));

  EXPECT_EQ(SortedIds(store.LoadAll()), std::vector<std::string>{"kept"});
  JobStore restarted(dir);
  ASSERT_TRUE(restarted.Init().ok());
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_EQ(SortedIds(restarted.LoadAll()), std::vector<std::string>{"kept"});
}

}  // namespace
}  // namespace evgen
