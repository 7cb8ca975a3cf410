#include "core/util/stop_check.h"

#include <gtest/gtest.h>

#include <thread>

namespace evgen {
namespace {

TEST(StopCheckTest, NothingStopsOutsideAScope) {
  EXPECT_TRUE(CheckStop().ok());
  EXPECT_FALSE(StopRequested());
}

TEST(StopCheckTest, TheScopesVerdictIsReturnedAndEndsWithTheScope) {
  bool stop = false;
  {
    StopScope scope([&] { return stop ? absl::DeadlineExceededError("late") : absl::OkStatus(); });
    EXPECT_TRUE(CheckStop().ok());
    stop = true;
    EXPECT_EQ(CheckStop().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_TRUE(StopRequested());
  }
  EXPECT_TRUE(CheckStop().ok());
}

TEST(StopCheckTest, AnInnerScopeCannotHideThatTheOuterOneStopped) {
  StopScope outer([] { return absl::CancelledError("client went away"); });
  StopScope inner([] { return absl::OkStatus(); });
  EXPECT_EQ(CheckStop().code(), absl::StatusCode::kCancelled);
}

TEST(StopCheckTest, ScopesBelongToTheirThread) {
  StopScope scope([] { return absl::CancelledError("stop"); });
  bool other_thread_stopped = true;
  std::thread([&] { other_thread_stopped = StopRequested(); }).join();
  EXPECT_FALSE(other_thread_stopped);
  EXPECT_TRUE(StopRequested());
}

}  // namespace
}  // namespace evgen
