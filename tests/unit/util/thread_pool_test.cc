#include "core/util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace evgen {
namespace {

using std::chrono::seconds;

// Gate lets a test hold tasks until it opens, with a deadline so that a pool
// that never runs them fails the test instead of hanging it.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool WaitOpen() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(10), [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(ThreadPoolTest, RunsEveryScheduledTaskOnce) {
  constexpr int kTasks = 1000;
  std::vector<std::atomic<int>> runs(kTasks);
  {
    ThreadPool pool(4);
    for (int i = 0; i < kTasks; ++i) pool.Schedule([&runs, i] { ++runs[i]; });
  }
  for (int i = 0; i < kTasks; ++i) ASSERT_EQ(runs[i].load(), 1) << "task " << i;
}

// With one thread the queue is the order: first scheduled, first run.
TEST(ThreadPoolTest, OneThreadRunsTasksInTheOrderScheduled) {
  std::vector<int> order;
  {
    ThreadPool pool(1);
    for (int i = 0; i < 100; ++i) pool.Schedule([&order, i] { order.push_back(i); });
  }
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

// Every thread of the pool works at once: N tasks that each wait for all N
// to have started finish only if N threads run them side by side.
TEST(ThreadPoolTest, RunsAsManyTasksAtOnceAsItHasThreads) {
  constexpr int kThreads = 4;
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  std::atomic<int> saw_all{0};
  {
    ThreadPool pool(kThreads);
    for (int i = 0; i < kThreads; ++i) {
      pool.Schedule([&] {
        std::unique_lock<std::mutex> lock(mu);
        ++started;
        cv.notify_all();
        if (cv.wait_for(lock, seconds(10), [&] { return started == kThreads; })) ++saw_all;
      });
    }
  }
  EXPECT_EQ(saw_all.load(), kThreads);
}

// A gRPC callback must never block on the pool: Schedule returns while every
// thread is busy.
TEST(ThreadPoolTest, ScheduleDoesNotWaitForABusyPool) {
  Gate gate;
  std::atomic<int> ran{0};
  {
    ThreadPool pool(1);
    pool.Schedule([&] {
      gate.WaitOpen();
      ++ran;
    });
    for (int i = 0; i < 10; ++i) pool.Schedule([&] { ++ran; });
    EXPECT_EQ(ran.load(), 0);  // all scheduled while the only thread is held
    gate.Open();
  }
  EXPECT_EQ(ran.load(), 11);
}

TEST(ThreadPoolTest, ScheduleIsSafeFromManyThreads) {
  constexpr int kSchedulers = 8;
  constexpr int kTasksEach = 500;
  std::atomic<int> ran{0};
  {
    ThreadPool pool(3);
    std::vector<std::thread> schedulers;
    for (int s = 0; s < kSchedulers; ++s) {
      schedulers.emplace_back([&] {
        for (int i = 0; i < kTasksEach; ++i) pool.Schedule([&] { ++ran; });
      });
    }
    for (std::thread& t : schedulers) t.join();
  }
  EXPECT_EQ(ran.load(), kSchedulers * kTasksEach);
}

// The destructor finishes queued work: it neither drops the tasks still
// waiting behind a slow one nor returns before they ran.
TEST(ThreadPoolTest, DestructorFinishesQueuedWork) {
  std::atomic<int> ran{0};
  auto pool = std::make_unique<ThreadPool>(2);
  for (int i = 0; i < 20; ++i) {
    pool->Schedule([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      ++ran;
    });
  }
  pool.reset();
  EXPECT_EQ(ran.load(), 20);
}

// Work that queued work schedules is queued work too, even while the pool is
// being destroyed.
TEST(ThreadPoolTest, DestructorFinishesWorkScheduledByQueuedWork) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(1);
    pool.Schedule([&] {
      ++ran;
      pool.Schedule([&] { ++ran; });
    });
  }
  EXPECT_EQ(ran.load(), 2);
}

// thread_pool.cc catches what a task throws, so one faulty task can neither
// end the process nor take a thread out of the pool.
TEST(ThreadPoolTest, ATaskThatThrowsLeavesThePoolWorking) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(1);
    pool.Schedule([] { throw std::runtime_error("task failed"); });
    pool.Schedule([] { throw 42; });
    pool.Schedule([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace evgen
