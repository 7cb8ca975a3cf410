// model_store.h: ModelStore, the trained models kept under <data-dir>/models.
//
// Layout: models/NAME/VERSION/{model.json, <the model's own state files>,
// metrics.json, train.jsonl}. Versions count up from 1; a new version is built
// in a staging directory and renamed into place, so a half-saved model is
// never listed. Loaded models are cached and shared read-only (Model::Sample
// is const and thread-safe), up to ModelStoreConfig::cache_bytes counted as
// their saved files' size; the least recently used are evicted first. Keys
// are (name, version), so a new version is loaded fresh when "latest" moves
// to it, and Delete drops what it removes.
//
// Threading: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/models/model.h"
#include "core/util/byte_lru.h"
#include "nlohmann/json.hpp"

namespace evgen {

struct ModelRecord {
  std::string name;
  int version = 0;
  std::string kind;
  nlohmann::json config = nlohmann::json::object();
  std::vector<std::string> condition_columns;
  std::vector<std::string> target_columns;
  std::string dataset;
  std::string region;
  std::string job_id;
  uint64_t seed = 0;
  int64_t created_unix = 0;
  nlohmann::json description = nlohmann::json::object();  // Model::Describe()
  nlohmann::json metrics = nlohmann::json::object();      // final training metrics

  nlohmann::json ToJson() const;
  [[nodiscard]] static absl::StatusOr<ModelRecord> FromJson(const nlohmann::json& j);
};

struct ModelStoreConfig {
  int64_t cache_bytes = int64_t{1} << 30;
  // InferenceTarget::tolerance for the reduced-precision copies LoadFor makes.
  double precision_tolerance = 0.01;
};

class ModelStore {
 public:
  explicit ModelStore(std::string root, ModelStoreConfig config = {})
      : root_(std::move(root)), precision_tolerance_(config.precision_tolerance), cache_(config.cache_bytes) {}

  [[nodiscard]] absl::Status Init();
  // Put saves `model` as the next version of record.name and returns the
  // completed record (version, created time, description filled in).
  [[nodiscard]] absl::StatusOr<ModelRecord> Put(ModelRecord record, const Model& model,
                                                const std::vector<std::string>& train_log);
  // version 0 means the latest.
  [[nodiscard]] absl::StatusOr<ModelRecord> GetRecord(const std::string& name, int version) const;
  [[nodiscard]] absl::StatusOr<std::pair<ModelRecord, std::shared_ptr<const Model>>> Load(
      const std::string& name, int version);
  // LoadFor is Load for sampling on `target` (device and precision; its
  // tolerance is the store's): the model's copy made by
  // Model::ForInference, cached beside the stored model and dropped with
  // it. A refused copy is remembered too, so a failed precision check is
  // not repeated on every request. The copy is made and checked without
  // holding the store's lock, so other requests do not wait for it.
  [[nodiscard]] absl::StatusOr<std::pair<ModelRecord, std::shared_ptr<const Model>>> LoadFor(
      const std::string& name, int version, InferenceTarget target);
  std::vector<ModelRecord> List() const;
  // Delete removes one version, or every version when version is 0.
  [[nodiscard]] absl::Status Delete(const std::string& name, int version);

 private:
  std::string DirOf(const std::string& name) const { return root_ + "/" + name; }
  std::vector<int> Versions(const std::string& name) const;

  // (name, version, InferenceTarget::Key()); "" for the stored model itself.
  using CacheKey = std::tuple<std::string, int, std::string>;
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const Model>> LoadLocked(
      const ModelRecord& record, ByteLru<CacheKey, const Model>::Dropped* dropped);

  std::string root_;
  double precision_tolerance_;
  mutable std::mutex mu_;
  ByteLru<CacheKey, const Model> cache_;
  std::map<CacheKey, absl::Status> refused_;  // copies ForInference refused
  // Counts deletes, so a copy made while one happened is not cached: the
  // deleted version's number may be given to a new model.
  uint64_t deletes_ = 0;
};

}  // namespace evgen
