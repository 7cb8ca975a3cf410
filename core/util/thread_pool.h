// thread_pool.h: ThreadPool, a fixed set of threads running queued closures.
//
// The server hands blocking work (simulating, reading datasets, sampling
// chunks, computing metrics) to a pool so gRPC's callback threads never block.
//
// Threading: Schedule() is thread-safe. The destructor finishes queued work.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace evgen {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Schedule(std::function<void()> task);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace evgen
