#include "core/models/nn/checkpoint_schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <fstream>
#include <vector>

#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

// Records which steps were saved and which the context was told about.
struct Recorder {
  std::vector<int64_t> saved, announced;
  int64_t step = 0;
  CheckpointSchedule::Io Save() {
    return [this](const std::string&) { saved.push_back(step); };
  }
};

FitContext ContextWith(const std::string& path, Recorder& r) {
  FitContext ctx;
  ctx.checkpoint_path = path;
  ctx.on_checkpoint = [&r](int64_t step) { r.announced.push_back(step); };
  return ctx;
}

TEST(CheckpointScheduleTest, SavesWhenDueAtTheEndAndWhenForced) {
  Recorder r;
  FitContext ctx = ContextWith("/nonexistent/ckpt", r);
  CheckpointSchedule schedule(ctx, 3);
  schedule.Begin(0);
  for (r.step = 1; r.step <= 7; ++r.step) schedule.AfterStep(r.step, 7, r.step == 5, r.Save());
  EXPECT_EQ(r.saved, (std::vector<int64_t>{3, 5, 6, 7}));
  EXPECT_EQ(r.announced, r.saved);
}

// A cancel keeps the steps done since the last save, and only those.
TEST(CheckpointScheduleTest, CancelSavesOnlyUnsavedSteps) {
  Recorder r;
  FitContext ctx = ContextWith("/nonexistent/ckpt", r);
  ctx.checkpoint_every = 4;  // the context's interval wins over the config's
  CheckpointSchedule schedule(ctx, 100);
  schedule.Begin(2);
  r.step = 2;
  EXPECT_EQ(schedule.Cancel(2, r.Save()).code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(r.saved.empty());
  r.step = 4;
  schedule.AfterStep(4, 10, false, r.Save());
  r.step = 5;
  EXPECT_EQ(schedule.Cancel(5, r.Save()).code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(r.saved, (std::vector<int64_t>{4, 5}));
}

TEST(CheckpointScheduleTest, WithoutAPathNothingIsReadOrWritten) {
  Recorder r;
  FitContext ctx = ContextWith("", r);
  CheckpointSchedule schedule(ctx, 1);
  bool loaded = false;
  EXPECT_TRUE(schedule.Resume([&loaded](const std::string&) { loaded = true; }).ok());
  schedule.AfterStep(1, 1, true, r.Save());
  EXPECT_EQ(schedule.Cancel(2, r.Save()).code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(loaded);
  EXPECT_TRUE(r.saved.empty());
}

// A damaged checkpoint is DataLoss naming the file, not a fresh start.
TEST(CheckpointScheduleTest, UnreadableCheckpointIsDataLossNamingTheFile) {
  const std::string path = testing::FreshEmptyDir("checkpoint-schedule") + "/ckpt.pt";
  std::ofstream(path) << "not an archive";
  Recorder r;
  FitContext ctx = ContextWith(path, r);
  CheckpointSchedule schedule(ctx, 10);
  absl::Status s = schedule.Resume([](const std::string& p) {
    torch::serialize::InputArchive archive;
    archive.load_from(p);
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr(path));
}

}  // namespace
}  // namespace evgen
