#include "tests/integration/job_polling.h"

#include <thread>

namespace evgen::testing {

bool JobEnded(const v1::Job& job) {
  return job.state() != v1::JOB_STATE_QUEUED && job.state() != v1::JOB_STATE_RUNNING;
}

v1::Job WaitForJob(EvgenClient& client, const std::string& id,
                   const std::function<bool(const v1::Job&)>& done, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  v1::Job job;
  while (std::chrono::steady_clock::now() < deadline) {
    absl::StatusOr<v1::Job> got = client.GetJob(id);
    if (got.ok()) job = *got;
    if (got.ok() && done(job)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return job;
}

}  // namespace evgen::testing
