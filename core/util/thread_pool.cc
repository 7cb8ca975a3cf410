#include "core/util/thread_pool.h"

#include <cstdio>
#include <exception>

#include "core/data/device.h"

namespace evgen {

ThreadPool::ThreadPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void ThreadPool::Schedule(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
}

void ThreadPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    // Tasks finish their own calls with an error status; this is the last
    // line of defence, so that a task that forgot to cannot end the process.
    try {
      InitComputeThread();
      task();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "evgen: a pool task failed: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "evgen: a pool task failed with an unknown exception\n");
    }
  }
}

}  // namespace evgen
