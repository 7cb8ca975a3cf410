#include "core/store/data_dir_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

TEST(DataDirLockTest, ASecondHolderIsRefusedNamingThePidUntilTheFirstLetsGo) {
  const std::string dir = testing::FreshDir("data-dir-lock") + "/data";
  {
    absl::StatusOr<DataDirLock> first = DataDirLock::Acquire(dir);
    ASSERT_TRUE(first.ok()) << first.status();
    std::ifstream pid_file(dir + "/evgend.lock");
    int pid = 0;
    pid_file >> pid;
    EXPECT_EQ(pid, ::getpid());
    // flock belongs to the open file: a second open in this process
    // conflicts exactly as another server would.
    absl::StatusOr<DataDirLock> second = DataDirLock::Acquire(dir);
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(second.status().message().find("already in use by another evgend (pid " +
                                             std::to_string(::getpid()) + ", lock file "),
              std::string::npos) << second.status();
  }
  EXPECT_TRUE(DataDirLock::Acquire(dir).ok()) << "the lock must go with its holder";
}

TEST(DataDirLockTest, AKilledHolderLeavesNoStaleLock) {
  const std::string dir = testing::FreshDir("data-dir-lock-kill") + "/data";
  const pid_t child = ::fork();
  if (child == 0) {
    absl::StatusOr<DataDirLock> lock = DataDirLock::Acquire(dir);
    while (!lock.ok()) {  // the parent's probe may hold it for a moment
      ::usleep(1000);
      lock = DataDirLock::Acquire(dir);
    }
    ::pause();  // killed below while holding it
    std::_Exit(0);
  }
  // Wait until the child holds it.
  bool held = false;
  for (int i = 0; i < 200 && !held; ++i) {
    ::usleep(10000);
    held = !DataDirLock::Acquire(dir).ok();
  }
  ASSERT_TRUE(held);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(DataDirLock::Acquire(dir).ok());
}

}  // namespace
}  // namespace evgen
