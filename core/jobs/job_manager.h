// job_manager.h: JobManager, which runs long operations (training) as jobs
// with ids, off the caller's thread.
//
// Submit() returns at once with a queued JobRecord; worker threads take jobs
// from a bounded queue (ResourceExhausted when it is full) and run their
// JobFunction, which reports progress through its JobContext and polls
// cancelled() between steps. Every state change is written to the JobStore,
// so after a restart Recover() shows jobs that were queued or running as
// interrupted. Listeners (the WatchJob streams) get every record change.
//
// Resume() queues an interrupted or cancelled job again under its id with a
// new JobFunction; the job finds the checkpoints its earlier run left in
// checkpoint_dir(), which is kept until the job succeeds.
//
// Threading: all methods are thread-safe. Listeners are called with the
// manager's lock held: they must be quick and must not call back into the
// manager.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/job_store.h"

namespace evgen {

class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual const std::string& id() const = 0;
  // checkpoint_dir is where this job keeps its checkpoints: the same
  // directory when the job is resumed after an interruption. It exists
  // (empty when the manager has no JobManagerConfig::checkpoint_root).
  virtual const std::string& checkpoint_dir() const = 0;
  virtual void Report(const TrainingProgress& progress, double events_per_second,
                      double eta_seconds) = 0;
  virtual bool cancelled() const = 0;
};

// A JobFunction returns the job's result (e.g. the saved model's name and
// version) or an error; absl::CancelledError when it stopped on request.
using JobFunction = std::function<absl::StatusOr<nlohmann::json>(JobContext&)>;
using JobListener = std::function<void(const JobRecord&)>;

struct JobManagerConfig {
  int workers = 1;        // concurrent jobs (one training job per device)
  int max_queued = 16;    // jobs waiting beyond the running ones
  // checkpoint_root holds one directory per job (<root>/<id>), created before
  // the job runs and removed once it succeeded. Empty: jobs keep no
  // checkpoints and see an empty checkpoint_dir().
  std::string checkpoint_root;
};

// CheckResumable is OK for the states Resume() accepts (interrupted,
// cancelled) and FailedPrecondition naming the state otherwise.
[[nodiscard]] absl::Status CheckResumable(const JobRecord& record);

class JobManager {
 public:
  JobManager(JobStore* store, JobManagerConfig config);
  ~JobManager();
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Recover loads stored jobs; unfinished ones become interrupted.
  void Recover();
  [[nodiscard]] absl::StatusOr<JobRecord> Submit(std::string type, nlohmann::json request,
                                                 JobFunction fn);
  [[nodiscard]] absl::StatusOr<JobRecord> Get(const std::string& id) const;
  std::vector<JobRecord> List() const;
  // Cancel stops a queued job at once and a running one at its next step.
  [[nodiscard]] absl::StatusOr<JobRecord> Cancel(const std::string& id);
  // Resume queues an interrupted or cancelled job again under the same id to
  // run `fn`: NotFound for an unknown id, FailedPrecondition for other
  // states, ResourceExhausted when the queue is full, Unavailable while
  // shutting down. The record's error and finish time are cleared and its
  // `resumes` count goes up; its progress stays until the job reports anew.
  [[nodiscard]] absl::StatusOr<JobRecord> Resume(const std::string& id, JobFunction fn);
  // Subscribe calls `listener` with the current record now and on each change.
  [[nodiscard]] absl::StatusOr<int64_t> Subscribe(const std::string& id, JobListener listener);
  void Unsubscribe(int64_t token);
  // Shutdown stops the workers; running jobs are cancelled and recorded as
  // interrupted so they can be resumed after a restart.
  void Shutdown();

 private:
  struct Job;
  class Context;

  void WorkerLoop();
  // Run runs the job's function and records how it ended.
  void Run(const std::shared_ptr<Job>& job);
  // RunFunction creates the checkpoint directory and calls the function,
  // turning escaped exceptions into an error.
  [[nodiscard]] absl::StatusOr<nlohmann::json> RunFunction(const std::shared_ptr<Job>& job,
                                             const std::string& checkpoint_dir);
  void FinishLocked(Job& job, absl::StatusOr<nlohmann::json> result);
  // CheckpointDir is "" without a checkpoint_root.
  std::string CheckpointDir(const std::string& id) const;
  // CheckCanQueueLocked is Unavailable while stopping and ResourceExhausted
  // when the queue is full.
  [[nodiscard]] absl::Status CheckCanQueueLocked() const;
  // Publish bumps the revision, persists (when `persist`), and notifies.
  void PublishLocked(Job& job, bool persist);

  JobStore* store_;
  JobManagerConfig config_;
  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::map<int64_t, std::pair<std::string, JobListener>> listeners_;
  int64_t next_token_ = 1;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace evgen
