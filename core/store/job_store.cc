#include "core/store/job_store.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/store/staging_dir.h"

namespace evgen {
namespace fs = std::filesystem;
namespace {

constexpr const char* kStateNames[] = {"queued",    "running",   "succeeded",
                                       "failed",    "cancelled", "interrupted"};

}  // namespace

std::string JobStateName(JobState state) { return kStateNames[static_cast<int>(state)]; }

bool IsTerminal(JobState state) {
  return state != JobState::kQueued && state != JobState::kRunning;
}

nlohmann::json JobRecord::ToJson() const {
  return {{"id", id},
          {"type", type},
          {"state", JobStateName(state)},
          {"request", request},
          {"progress",
           {{"step", progress.step},
            {"total_steps", progress.total_steps},
            {"losses", progress.losses},
            {"validation_metric", progress.validation_metric},
            {"has_validation_metric", progress.has_validation_metric},
            {"message", progress.message}}},
          {"events_per_second", events_per_second},
          {"eta_seconds", eta_seconds},
          {"error", error},
          {"result", result},
          {"created_unix_ms", created_unix_ms},
          {"started_unix_ms", started_unix_ms},
          {"finished_unix_ms", finished_unix_ms},
          {"revision", revision},
          {"resumes", resumes}};
}

absl::StatusOr<JobRecord> JobRecord::FromJson(const nlohmann::json& j) {
  try {
    JobRecord r;
    r.id = j.at("id").get<std::string>();
    r.type = j.at("type").get<std::string>();
    const std::string state = j.at("state").get<std::string>();
    bool known = false;
    for (int s = 0; s < 6; ++s) {
      if (state == kStateNames[s]) {
        r.state = static_cast<JobState>(s);
        known = true;
      }
    }
    if (!known) return absl::DataLossError(absl::StrCat("job record: unknown state '", state, "'"));
    r.request = j.value("request", nlohmann::json::object());
    const nlohmann::json& p = j.at("progress");
    r.progress.step = p.value("step", int64_t{0});
    r.progress.total_steps = p.value("total_steps", int64_t{0});
    r.progress.losses = p.value("losses", std::map<std::string, double>{});
    r.progress.validation_metric = p.value("validation_metric", -1.0);
    r.progress.has_validation_metric = p.value("has_validation_metric", false);
    r.progress.message = p.value("message", "");
    r.events_per_second = j.value("events_per_second", 0.0);
    r.eta_seconds = j.value("eta_seconds", -1.0);
    r.error = j.value("error", "");
    r.result = j.value("result", nlohmann::json::object());
    r.created_unix_ms = j.value("created_unix_ms", int64_t{0});
    r.started_unix_ms = j.value("started_unix_ms", int64_t{0});
    r.finished_unix_ms = j.value("finished_unix_ms", int64_t{0});
    r.revision = j.value("revision", int64_t{0});
    r.resumes = j.value("resumes", 0);  // absent in records written before resuming existed
    return r;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat("job record: ", e.what()));
  }
}

absl::Status JobStore::Init() { return PrepareStoreRoot(root_); }

absl::Status JobStore::Save(const JobRecord& record) const {
  return WriteFileAtomically(absl::StrCat(root_, "/", record.id, ".json"), record.ToJson().dump(2));
}

std::vector<JobRecord> JobStore::LoadAll() const {
  std::vector<JobRecord> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (!absl::EndsWith(entry.path().string(), ".json")) continue;
    absl::StatusOr<std::string> text = ReadFileToString(entry.path().string());
    if (!text.ok()) continue;
    nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) continue;
    absl::StatusOr<JobRecord> r = JobRecord::FromJson(j);
    if (r.ok()) out.push_back(*std::move(r));
  }
  return out;
}

}  // namespace evgen
