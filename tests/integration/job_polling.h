// job_polling.h: waiting on a training job's state through the real client,
// for integration tests that need a job running, past a step, or ended.
//
// Example:
//   v1::Job job = WaitForJob(client, id, [](const v1::Job& j) {
//     return JobEnded(j) || j.progress().step() >= 100;
//   });
//   ASSERT_EQ(job.state(), v1::JOB_STATE_RUNNING) << "the job must still run";
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "client/evgen_client.h"

namespace evgen::testing {

// JobEnded is true once the job left the queued and running states.
bool JobEnded(const v1::Job& job);

// WaitForJob polls the job until `done` holds for it or `limit` passed, and
// returns the last record read (a default one if none could be read).
v1::Job WaitForJob(EvgenClient& client, const std::string& id,
                   const std::function<bool(const v1::Job&)>& done,
                   std::chrono::seconds limit = std::chrono::seconds(60));

}  // namespace evgen::testing
