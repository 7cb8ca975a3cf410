#include "core/jobs/job_manager.h"


#include <chrono>
#include <filesystem>
#include <random>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/data/device.h"
#include "core/random/counter_rng.h"
#include "core/telemetry/metrics.h"

namespace evgen {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NewJobId() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t process_key = std::random_device{}();
  const uint64_t bits = Mix64(process_key ^ Mix64(static_cast<uint64_t>(NowMs()) + counter++));
  return absl::StrFormat("job-%012x", bits & 0xffffffffffffULL);
}

// Progress is persisted at most this often; state changes always are.
constexpr int64_t kPersistIntervalMs = 1000;

}  // namespace

struct JobManager::Job {
  JobRecord record;
  JobFunction fn;
  std::atomic<bool> cancel_requested{false};
  std::atomic<bool> interrupted{false};
  int64_t last_persist_ms = 0;
};

class JobManager::Context final : public JobContext {
 public:
  Context(JobManager* manager, std::shared_ptr<Job> job, std::string checkpoint_dir)
      : manager_(manager), job_(std::move(job)), checkpoint_dir_(std::move(checkpoint_dir)),
        last_report_(std::chrono::steady_clock::now()) {
    std::lock_guard<std::mutex> lock(manager_->mu_);
    last_step_ = job_->record.progress.step;
  }
  const std::string& id() const override { return job_->record.id; }
  const std::string& checkpoint_dir() const override { return checkpoint_dir_; }
  bool cancelled() const override { return job_->cancel_requested.load(); }
  void Report(const TrainingProgress& progress, double events_per_second,
              double eta_seconds) override {
    CountSteps(progress.step);
    std::lock_guard<std::mutex> lock(manager_->mu_);
    job_->record.progress = progress;
    job_->record.events_per_second = events_per_second;
    job_->record.eta_seconds = eta_seconds;
    const bool persist = NowMs() - job_->last_persist_ms >= kPersistIntervalMs;
    manager_->PublishLocked(*job_, persist);
  }

 private:
  // CountSteps adds the steps done since the last report to
  // evgen_training_steps_total and their mean time to the step-time
  // histogram. A resumed job counts from the step its record last showed.
  void CountSteps(int64_t step) {
    static telemetry::Counter& steps =
        telemetry::DefaultRegistry().AddCounter("evgen_training_steps_total", "Training steps done by jobs.").Add({});
    static telemetry::Histogram& step_time =
        telemetry::DefaultRegistry()
            .AddHistogram("evgen_training_step_duration_seconds", "Mean wall time of a training step between reports.",
                          telemetry::ExponentialBuckets(0.0005, 2.5, 14))
            .Add({});
    const auto now = std::chrono::steady_clock::now();
    if (step > last_step_) {
      const double seconds = std::chrono::duration<double>(now - last_report_).count();
      steps.Increment(static_cast<double>(step - last_step_));
      step_time.Observe(seconds / static_cast<double>(step - last_step_));
    }
    last_step_ = step;
    last_report_ = now;
  }

  JobManager* manager_;
  std::shared_ptr<Job> job_;
  std::string checkpoint_dir_;
  int64_t last_step_ = 0;
  std::chrono::steady_clock::time_point last_report_;
};

absl::Status CheckResumable(const JobRecord& record) {
  if (record.state == JobState::kInterrupted || record.state == JobState::kCancelled) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat("job: '", record.id, "' is ", JobStateName(record.state),
                   "; only interrupted or cancelled jobs can be resumed"));
}

JobManager::JobManager(JobStore* store, JobManagerConfig config)
    : store_(store), config_(config) {
  for (int i = 0; i < std::max(1, config_.workers); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

JobManager::~JobManager() { Shutdown(); }

void JobManager::Recover() {
  std::lock_guard<std::mutex> lock(mu_);
  for (JobRecord& record : store_->LoadAll()) {
    if (jobs_.count(record.id)) continue;
    auto job = std::make_shared<Job>();
    job->record = std::move(record);
    if (!IsTerminal(job->record.state)) {
      job->record.state = JobState::kInterrupted;
      job->record.error = "the server stopped while this job was unfinished";
      job->record.finished_unix_ms = NowMs();
      PublishLocked(*job, /*persist=*/true);
    }
    jobs_[job->record.id] = job;
  }
}

absl::Status JobManager::CheckCanQueueLocked() const {
  if (stopping_) return absl::UnavailableError("jobs: the server is shutting down");
  if (static_cast<int>(queue_.size()) >= config_.max_queued) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "jobs: the queue holds its limit of ", config_.max_queued, " waiting jobs; retry later"));
  }
  return absl::OkStatus();
}

absl::StatusOr<JobRecord> JobManager::Submit(std::string type, nlohmann::json request,
                                             JobFunction fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = CheckCanQueueLocked(); !s.ok()) return s;
  auto job = std::make_shared<Job>();
  job->record.id = NewJobId();
  job->record.type = std::move(type);
  job->record.request = std::move(request);
  job->record.created_unix_ms = NowMs();
  job->fn = std::move(fn);
  PublishLocked(*job, /*persist=*/true);
  jobs_[job->record.id] = job;
  queue_.push_back(job);
  work_ready_.notify_one();
  return job->record;
}

absl::StatusOr<JobRecord> JobManager::Resume(const std::string& id, JobFunction fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return absl::UnavailableError("jobs: the server is shutting down");
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job: '", id, "' not found"));
  Job& job = *it->second;
  if (absl::Status s = CheckResumable(job.record); !s.ok()) return s;
  if (absl::Status s = CheckCanQueueLocked(); !s.ok()) return s;
  // A cancelled or interrupted job's worker has finished with it (the state
  // is set last in Run), so its flags and function can be reset here.
  job.cancel_requested = false;
  job.interrupted = false;
  job.fn = std::move(fn);
  JobRecord& r = job.record;
  r.state = JobState::kQueued;
  r.error.clear();
  r.finished_unix_ms = 0;
  r.events_per_second = 0;
  r.eta_seconds = -1;
  ++r.resumes;
  PublishLocked(job, /*persist=*/true);
  queue_.push_back(it->second);
  work_ready_.notify_one();
  return r;
}

absl::StatusOr<JobRecord> JobManager::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job: '", id, "' not found"));
  return it->second->record;
}

std::vector<JobRecord> JobManager::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<JobRecord> out;
  for (const auto& [id, job] : jobs_) out.push_back(job->record);
  std::sort(out.begin(), out.end(), [](const JobRecord& a, const JobRecord& b) {
    return a.created_unix_ms < b.created_unix_ms;
  });
  return out;
}

absl::StatusOr<JobRecord> JobManager::Cancel(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job: '", id, "' not found"));
  Job& job = *it->second;
  if (IsTerminal(job.record.state)) {
    return absl::FailedPreconditionError(absl::StrCat("job: '", id, "' already ended (",
                                                      JobStateName(job.record.state), ")"));
  }
  job.cancel_requested = true;
  if (job.record.state == JobState::kQueued) {
    queue_.erase(std::remove(queue_.begin(), queue_.end(), it->second), queue_.end());
    job.record.state = JobState::kCancelled;
    job.record.finished_unix_ms = NowMs();
    PublishLocked(job, /*persist=*/true);
  }
  return job.record;
}

absl::StatusOr<int64_t> JobManager::Subscribe(const std::string& id, JobListener listener) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job: '", id, "' not found"));
  listener(it->second->record);
  const int64_t token = next_token_++;
  listeners_[token] = {id, std::move(listener)};
  return token;
}

void JobManager::Unsubscribe(int64_t token) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.erase(token);
}

void JobManager::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, job] : jobs_) {
      if (!IsTerminal(job->record.state)) {
        job->interrupted = true;
        job->cancel_requested = true;
      }
    }
    for (auto& job : queue_) {
      job->record.state = JobState::kInterrupted;
      job->record.error = "the server stopped before this job started";
      PublishLocked(*job, /*persist=*/true);
    }
    queue_.clear();
  }
  work_ready_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void JobManager::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
      job->record.state = JobState::kRunning;
      job->record.started_unix_ms = NowMs();
      PublishLocked(*job, /*persist=*/true);
    }
    InitComputeThread();
    Run(job);
  }
}

std::string JobManager::CheckpointDir(const std::string& id) const {
  return config_.checkpoint_root.empty() ? "" : absl::StrCat(config_.checkpoint_root, "/", id);
}

void JobManager::Run(const std::shared_ptr<Job>& job) {
  // The id never changes, so reading it without the lock is safe.
  const std::string checkpoint_dir = CheckpointDir(job->record.id);
  absl::StatusOr<nlohmann::json> result = RunFunction(job, checkpoint_dir);
  // The saved model holds what a succeeded job made, so its checkpoints are
  // of no further use; they go before the job is seen succeeded. Any other
  // end keeps them for Resume().
  if (result.ok() && !checkpoint_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(checkpoint_dir, ec);
  }
  std::lock_guard<std::mutex> lock(mu_);
  FinishLocked(*job, std::move(result));
}

absl::StatusOr<nlohmann::json> JobManager::RunFunction(const std::shared_ptr<Job>& job,
                                                       const std::string& checkpoint_dir) {
  if (!checkpoint_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(checkpoint_dir, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("jobs: cannot create checkpoint directory '",
                                              checkpoint_dir, "': ", ec.message()));
    }
  }
  Context context(this, job, checkpoint_dir);
  try {
    return job->fn(context);
  } catch (const std::exception& e) {
    // A job must never take the server down; an escaped exception is a bug
    // in the job, reported as its failure.
    return absl::InternalError(absl::StrCat("job raised an exception: ", e.what()));
  }
}

void JobManager::FinishLocked(Job& job, absl::StatusOr<nlohmann::json> result) {
  JobRecord& r = job.record;
  r.finished_unix_ms = NowMs();
  if (result.ok()) {
    r.state = JobState::kSucceeded;
    r.result = *std::move(result);
  } else if (job.interrupted) {
    r.state = JobState::kInterrupted;
    r.error = "the server stopped while this job was running";
  } else if (absl::IsCancelled(result.status())) {
    r.state = JobState::kCancelled;
    r.error = "cancelled on request";
  } else {
    r.state = JobState::kFailed;
    r.error = std::string(result.status().message());
  }
  job.fn = nullptr;  // release captured inputs (datasets) now
  PublishLocked(job, /*persist=*/true);
}

void JobManager::PublishLocked(Job& job, bool persist) {
  ++job.record.revision;
  if (persist) {
    job.last_persist_ms = NowMs();
    // A failed write loses only progress detail; the in-memory record stays
    // authoritative, so it is not fatal to the job.
    (void)store_->Save(job.record);
  }
  for (const auto& [token, entry] : listeners_) {
    if (entry.first == job.record.id) entry.second(job.record);
  }
}

}  // namespace evgen
