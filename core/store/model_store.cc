#include "core/store/model_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/atomic_file.h"
#include "core/models/model_registry.h"
#include "core/status_macros.h"
#include "core/store/names.h"
#include "core/store/staging_dir.h"
#include "core/telemetry/cache_metrics.h"

namespace evgen {
namespace fs = std::filesystem;

namespace {

// ModelCacheMetrics are the model cache's series, looked up once (Load is on every
// sample request's path).
const telemetry::CacheMetrics& ModelCacheMetrics() {
  static const telemetry::CacheMetrics metrics = telemetry::CacheMetrics::For("model");
  return metrics;
}

// DirectoryBytes is the size of the regular files directly in `dir`.
int64_t DirectoryBytes(const std::string& dir) {
  int64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) bytes += static_cast<int64_t>(entry.file_size(ec));
  }
  return bytes;
}

}  // namespace

nlohmann::json ModelRecord::ToJson() const {
  return {{"name", name},
          {"version", version},
          {"kind", kind},
          {"config", config},
          {"condition_columns", condition_columns},
          {"target_columns", target_columns},
          {"dataset", dataset},
          {"region", region},
          {"job_id", job_id},
          {"seed", seed},
          {"created_unix", created_unix},
          {"description", description},
          {"metrics", metrics}};
}

absl::StatusOr<ModelRecord> ModelRecord::FromJson(const nlohmann::json& j) {
  try {
    ModelRecord r;
    r.name = j.at("name").get<std::string>();
    r.version = j.at("version").get<int>();
    r.kind = j.at("kind").get<std::string>();
    r.config = j.value("config", nlohmann::json::object());
    r.condition_columns = j.at("condition_columns").get<std::vector<std::string>>();
    r.target_columns = j.at("target_columns").get<std::vector<std::string>>();
    r.dataset = j.value("dataset", "");
    r.region = j.value("region", "");
    r.job_id = j.value("job_id", "");
    r.seed = j.value("seed", uint64_t{0});
    r.created_unix = j.value("created_unix", int64_t{0});
    r.description = j.value("description", nlohmann::json::object());
    r.metrics = j.value("metrics", nlohmann::json::object());
    return r;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat("model record: ", e.what()));
  }
}

absl::Status ModelStore::Init() { return PrepareStoreRoot(root_); }

std::vector<int> ModelStore::Versions(const std::string& name) const {
  std::vector<int> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(DirOf(name), ec)) {
    int v = 0;
    if (entry.is_directory() && absl::SimpleAtoi(entry.path().filename().string(), &v) && v > 0) {
      versions.push_back(v);
    }
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

absl::StatusOr<ModelRecord> ModelStore::Put(ModelRecord record, const Model& model,
                                            const std::vector<std::string>& train_log) {
  EVGEN_RETURN_IF_ERROR(ValidateName("model", record.name));
  record.kind = model.kind();
  record.condition_columns = model.condition_columns();
  record.target_columns = model.target_columns();
  record.description = model.Describe();
  record.created_unix = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  std::error_code ec;
  fs::create_directories(DirOf(record.name), ec);
  StagingDir staging;
  EVGEN_RETURN_IF_ERROR(staging.Create(DirOf(record.name)));
  EVGEN_RETURN_IF_ERROR(model.Save(staging.path()));
  EVGEN_RETURN_IF_ERROR(WriteFileAtomically(staging.path() + "/metrics.json", record.metrics.dump(2)));
  EVGEN_RETURN_IF_ERROR(WriteFileAtomically(staging.path() + "/train.jsonl",
                                            absl::StrCat(absl::StrJoin(train_log, "\n"), "\n")));
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int> versions = Versions(record.name);
  record.version = versions.empty() ? 1 : versions.back() + 1;
  EVGEN_RETURN_IF_ERROR(WriteFileAtomically(staging.path() + "/model.json", record.ToJson().dump(2)));
  EVGEN_RETURN_IF_ERROR(staging.Publish(absl::StrCat(DirOf(record.name), "/", record.version)));
  return record;
}

absl::StatusOr<ModelRecord> ModelStore::GetRecord(const std::string& name, int version) const {
  EVGEN_RETURN_IF_ERROR(ValidateName("model", name));
  if (version < 0) {
    return absl::InvalidArgumentError(absl::StrCat("version: must be >= 0 (0 = latest), got ", version));
  }
  std::vector<int> versions = Versions(name);
  if (versions.empty()) return absl::NotFoundError(absl::StrCat("model: '", name, "' not found"));
  if (version == 0) version = versions.back();
  if (!std::binary_search(versions.begin(), versions.end(), version)) {
    return absl::NotFoundError(absl::StrCat("model: '", name, "' has no version ", version,
                                            "; versions: ", absl::StrJoin(versions, ", ")));
  }
  const std::string path = absl::StrCat(DirOf(name), "/", version, "/model.json");
  EVGEN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::DataLossError(absl::StrCat(path, ": not valid JSON"));
  return ModelRecord::FromJson(j);
}

absl::StatusOr<std::pair<ModelRecord, std::shared_ptr<const Model>>> ModelStore::Load(
    const std::string& name, int version) {
  return LoadFor(name, version, InferenceTarget{});
}

absl::StatusOr<std::pair<ModelRecord, std::shared_ptr<const Model>>> ModelStore::LoadFor(
    const std::string& name, int version, InferenceTarget target) {
  EVGEN_ASSIGN_OR_RETURN(ModelRecord record, GetRecord(name, version));
  ByteLru<CacheKey, const Model>::Dropped dropped;  // freed after unlocking
  const CacheKey key(record.name, record.version, target.Key());
  std::shared_ptr<const Model> model;
  uint64_t deletes_before = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!target.IsDefault()) {
      if (std::shared_ptr<const Model> cached = cache_.Find(key)) return std::make_pair(record, cached);
      if (auto it = refused_.find(key); it != refused_.end()) return it->second;
    }
    EVGEN_ASSIGN_OR_RETURN(model, LoadLocked(record, &dropped));
    if (target.IsDefault()) return std::make_pair(record, model);
    deletes_before = deletes_;
  }
  // Unlocked: a reduced copy's check samples tens of thousands of rows
  // (about a second for a 10 x 512 generator). Two requests may both make
  // the copy; the first to finish is cached and both get it.
  target.tolerance = precision_tolerance_;
  absl::StatusOr<std::unique_ptr<Model>> copy = model->ForInference(target);
  std::lock_guard<std::mutex> lock(mu_);
  const bool still_stored = deletes_ == deletes_before;
  if (!copy.ok()) {
    if (still_stored) refused_[key] = copy.status();
    return copy.status();
  }
  std::shared_ptr<const Model> shared = *std::move(copy);
  if (!still_stored) return std::make_pair(record, shared);  // served once, like the stored model it was made from
  if (std::shared_ptr<const Model> cached = cache_.Find(key)) return std::make_pair(record, cached);
  cache_.Insert(key, shared, DirectoryBytes(absl::StrCat(DirOf(name), "/", record.version)), &dropped);
  ModelCacheMetrics().bytes.Set(static_cast<double>(cache_.bytes()));
  return std::make_pair(record, shared);
}

// LoadLocked returns the stored model of `record` from the cache or its
// directory; mu_ is held, and what the cache evicts goes to `dropped`.
absl::StatusOr<std::shared_ptr<const Model>> ModelStore::LoadLocked(const ModelRecord& record,
                                                                    ByteLru<CacheKey, const Model>::Dropped* dropped) {
  const CacheKey key(record.name, record.version, "");
  const telemetry::CacheMetrics& metrics = ModelCacheMetrics();
  if (std::shared_ptr<const Model> cached = cache_.Find(key)) {
    metrics.hits.Increment();
    return cached;
  }
  metrics.misses.Increment();
  const std::string dir = absl::StrCat(DirOf(record.name), "/", record.version);
  EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, CreateModel(record.kind, record.config));
  EVGEN_RETURN_IF_ERROR(model->Load(dir));
  std::shared_ptr<const Model> shared = std::move(model);
  // A loaded model is about as large as its saved files.
  cache_.Insert(key, shared, DirectoryBytes(dir), dropped);
  metrics.bytes.Set(static_cast<double>(cache_.bytes()));
  return shared;
}

std::vector<ModelRecord> ModelStore::List() const {
  std::vector<ModelRecord> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.empty() || name[0] == '.') continue;
    for (int v : Versions(name)) {
      absl::StatusOr<ModelRecord> r = GetRecord(name, v);
      if (r.ok()) out.push_back(*std::move(r));
    }
  }
  std::sort(out.begin(), out.end(), [](const ModelRecord& a, const ModelRecord& b) {
    return std::tie(a.name, a.version) < std::tie(b.name, b.version);
  });
  return out;
}

absl::Status ModelStore::Delete(const std::string& name, int version) {
  EVGEN_RETURN_IF_ERROR(ValidateName("model", name));
  if (version != 0) EVGEN_RETURN_IF_ERROR(GetRecord(name, version).status());
  ByteLru<CacheKey, const Model>::Dropped dropped;  // freed after unlocking
  std::lock_guard<std::mutex> lock(mu_);
  if (Versions(name).empty()) return absl::NotFoundError(absl::StrCat("model: '", name, "' not found"));
  ++deletes_;
  const auto dropped_by_delete = [&](const CacheKey& key) {
    return std::get<0>(key) == name && (version == 0 || std::get<1>(key) == version);
  };
  cache_.EraseIf(dropped_by_delete, &dropped);
  for (auto it = refused_.begin(); it != refused_.end();) {
    it = dropped_by_delete(it->first) ? refused_.erase(it) : std::next(it);
  }
  ModelCacheMetrics().bytes.Set(static_cast<double>(cache_.bytes()));
  const std::string dir = version == 0 ? DirOf(name) : absl::StrCat(DirOf(name), "/", version);
  return RemoveDirAtomically(root_, dir);
}

}  // namespace evgen
