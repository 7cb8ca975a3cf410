#include "core/store/dataset_store.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/io/npy.h"
#include "core/status_macros.h"
#include "core/store/names.h"
#include "core/store/staging_dir.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace fs = std::filesystem;
namespace {

// Quantiles uses the nearest-rank definition on the sorted column.
// Quantiles uses the nearest-rank definition on the sorted values.
std::vector<double> Quantiles(std::vector<float> values) {
  std::vector<double> out;
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  for (double level : SummaryQuantileLevels()) {
    const auto rank = static_cast<size_t>(std::ceil(level * values.size()));
    out.push_back(values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)]);
  }
  return out;
}

// Summarize describes each column over its finite values; NaN (missing) and
// infinite values are counted apart, so one missing field does not turn the
// statistics into NaN (which JSON cannot even store).
std::vector<ColumnSummary> Summarize(const Table& table) {
  std::vector<ColumnSummary> out;
  for (int c = 0; c < table.num_columns(); ++c) {
    ColumnSummary s;
    s.name = table.columns()[c];
    std::vector<float> finite;
    finite.reserve(table.num_rows());
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      const float v = table.at(r, c);
      if (std::isfinite(v)) {
        finite.push_back(v);
      } else {
        ++s.non_finite;
      }
    }
    double sum = 0, sum2 = 0;
    s.min = finite.empty() ? 0 : finite[0];
    s.max = s.min;
    for (float f : finite) {
      const double v = f;
      sum += v;
      sum2 += v * v;
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
    }
    const double n = std::max<double>(1, finite.size());
    s.mean = sum / n;
    s.stddev = std::sqrt(std::max(0.0, sum2 / n - s.mean * s.mean));
    s.quantiles = Quantiles(std::move(finite));
    out.push_back(s);
  }
  return out;
}

nlohmann::json InfoToJson(const DatasetInfo& info) {
  nlohmann::json j = {{"name", info.name},     {"rows", info.rows},
                      {"columns", info.columns}, {"source", info.source},
                      {"seed", info.seed},     {"created_unix", info.created_unix}};
  for (const ColumnSummary& s : info.summaries) {
    j["summaries"].push_back({{"name", s.name},
                              {"mean", s.mean},
                              {"std", s.stddev},
                              {"min", s.min},
                              {"max", s.max},
                              {"quantiles", s.quantiles},
                              {"non_finite", s.non_finite}});
  }
  return j;
}

absl::StatusOr<DatasetInfo> InfoFromJson(const std::string& text, const std::string& path) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError(absl::StrCat(path, ": not a valid dataset record"));
  }
  try {
    DatasetInfo info;
    info.name = j.at("name").get<std::string>();
    info.rows = j.at("rows").get<int64_t>();
    info.columns = j.at("columns").get<std::vector<std::string>>();
    info.source = j.at("source").get<std::string>();
    info.seed = j.at("seed").get<uint64_t>();
    info.created_unix = j.at("created_unix").get<int64_t>();
    for (const auto& s : j.value("summaries", nlohmann::json::array())) {
      info.summaries.push_back({s.at("name"), s.at("mean"), s.at("std"), s.at("min"), s.at("max"),
                                s.value("quantiles", std::vector<double>{}),
                                s.value("non_finite", int64_t{0})});
    }
    return info;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": bad dataset record: ", e.what()));
  }
}

}  // namespace

absl::Status DatasetStore::Init() { return PrepareStoreRoot(root_); }

absl::StatusOr<DatasetInfo> DatasetStore::Put(const std::string& name, const Table& table,
                                              const std::string& source, uint64_t seed) {
  EVGEN_RETURN_IF_ERROR(ValidateName("dataset", name));
  if (table.num_rows() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("dataset '", name, "': no rows"));
  }
  DatasetInfo info;
  info.name = name;
  info.rows = table.num_rows();
  info.columns = table.columns();
  info.source = source;
  info.seed = seed;
  info.created_unix = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  info.summaries = Summarize(table);

  StagingDir staging;
  EVGEN_RETURN_IF_ERROR(staging.Create(root_));
  EVGEN_RETURN_IF_ERROR(WriteNpy(staging.path() + "/data.npy", table));
  EVGEN_RETURN_IF_ERROR(
      WriteFileAtomically(staging.path() + "/meta.json", InfoToJson(info).dump(2)));
  std::lock_guard<std::mutex> lock(mu_);
  if (fs::exists(DirOf(name))) {
    return absl::AlreadyExistsError(
        absl::StrCat("dataset: '", name, "' already exists; delete it or choose another name"));
  }
  EVGEN_RETURN_IF_ERROR(staging.Publish(DirOf(name)));
  cache_[name] = std::make_shared<const Table>(table);
  return info;
}

absl::StatusOr<std::shared_ptr<const Table>> DatasetStore::Get(const std::string& name) {
  EVGEN_RETURN_IF_ERROR(ValidateName("dataset", name));
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = cache_.find(name); it != cache_.end()) return it->second;
  if (!fs::exists(DirOf(name))) {
    return absl::NotFoundError(absl::StrCat("dataset: '", name, "' not found"));
  }
  EVGEN_ASSIGN_OR_RETURN(Table table, ReadNpy(DirOf(name) + "/data.npy"));
  auto shared = std::make_shared<const Table>(std::move(table));
  cache_[name] = shared;
  return shared;
}

absl::StatusOr<DatasetInfo> DatasetStore::Describe(const std::string& name) const {
  EVGEN_RETURN_IF_ERROR(ValidateName("dataset", name));
  const std::string path = DirOf(name) + "/meta.json";
  if (!fs::exists(path)) return absl::NotFoundError(absl::StrCat("dataset: '", name, "' not found"));
  EVGEN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return InfoFromJson(text, path);
}

std::vector<DatasetInfo> DatasetStore::List() const {
  std::vector<DatasetInfo> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || absl::StartsWith(name, ".")) continue;
    absl::StatusOr<DatasetInfo> info = Describe(name);
    if (info.ok()) out.push_back(*std::move(info));
  }
  std::sort(out.begin(), out.end(),
            [](const DatasetInfo& a, const DatasetInfo& b) { return a.name < b.name; });
  return out;
}

absl::Status DatasetStore::Delete(const std::string& name) {
  EVGEN_RETURN_IF_ERROR(ValidateName("dataset", name));
  std::lock_guard<std::mutex> lock(mu_);
  if (!fs::exists(DirOf(name))) return absl::NotFoundError(absl::StrCat("dataset: '", name, "' not found"));
  cache_.erase(name);
  return RemoveDirAtomically(root_, DirOf(name));
}

}  // namespace evgen
