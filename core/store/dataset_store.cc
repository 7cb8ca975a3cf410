#include "core/store/dataset_store.h"

#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <new>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/atomic_file.h"
#include "core/io/npy.h"
#include "core/physics/regions.h"
#include "core/status_macros.h"
#include "core/store/names.h"
#include "core/store/staging_dir.h"
#include "core/telemetry/cache_metrics.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace fs = std::filesystem;
namespace {

// DatasetCacheMetrics are the dataset cache's series, looked up once (Get is on
// every call that reads a dataset).
const telemetry::CacheMetrics& DatasetCacheMetrics() {
  static const telemetry::CacheMetrics metrics = telemetry::CacheMetrics::For("dataset");
  return metrics;
}

constexpr char kWeightsFile[] = "weights.npy";
constexpr char kExactFile[] = "exact.i64";

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
  // Written even when empty, so that a record without the key is known to
  // come from before the counts were stored.
  j["region_rows"] = info.region_rows;
  j["weighted"] = info.weighted;
  j["int64_columns"] = info.int64_columns;
  j["category_labels"] = info.category_labels;
  j["category_columns"] = info.category_columns;
  if (!info.read_report.empty()) {
    j["read_report"] = nlohmann::json::parse(info.read_report, nullptr, false);
  }
  if (info.weighted) {
    j["weight_sum"] = info.weight_sum;
    j["negative_weights"] = info.negative_weights;
  }
  return j;
}

// InfoFromJson parses a meta.json; *has_region_rows tells whether it holds
// the rows per region.
absl::StatusOr<DatasetInfo> InfoFromJson(const std::string& text, const std::string& path,
                                         bool* has_region_rows) {
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
    *has_region_rows = j.contains("region_rows");
    if (*has_region_rows) info.region_rows = j.at("region_rows").get<std::map<std::string, int64_t>>();
    // Records from before weights were stored held unweighted tables only.
    info.weighted = j.value("weighted", false);
    info.weight_sum = j.value("weight_sum", 0.0);
    info.negative_weights = j.value("negative_weights", int64_t{0});
    info.int64_columns = j.value("int64_columns", std::vector<std::string>{});
    info.category_labels = j.value("category_labels", std::vector<std::string>{});
    info.category_columns = j.value("category_columns", std::vector<std::string>{});
    if (j.contains("read_report")) info.read_report = j.at("read_report").dump();
    return info;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": bad dataset record: ", e.what()));
  }
}

// CheckColumnNames refuses duplicated column names: a later lookup by name
// would silently pick the first of them.
absl::Status CheckColumnNames(const std::string& name, const std::vector<std::string>& columns) {
  std::set<std::string> seen, duplicated;
  for (const std::string& column : columns) {
    if (!seen.insert(column).second) duplicated.insert(column);
  }
  if (duplicated.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("columns: dataset '", name, "' names column(s) '",
                   absl::StrJoin(duplicated, "', '"), "' more than once; column names must be unique"));
}

DatasetInfo MakeInfo(const std::string& name, const Table& table, const std::string& source,
                     uint64_t seed) {
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
  info.region_rows = CountRowsPerRegion(table);
  for (const auto& [column, exact] : table.int64_columns()) info.int64_columns.push_back(column);
  info.category_labels = table.category_labels();
  info.category_columns = table.category_columns();
  info.weighted = table.has_weights();
  for (float w : table.weights()) {
    info.weight_sum += w;
    if (w < 0) ++info.negative_weights;
  }
  return info;
}

int64_t TableBytes(const Table& table) {
  int64_t bytes = static_cast<int64_t>((table.values().size() + table.weights().size()) * sizeof(float));
  for (const auto& [column, exact] : table.int64_columns()) {
    bytes += static_cast<int64_t>(exact.size() * sizeof(int64_t));
  }
  return bytes;
}

// ShareTable hands `table` out through a shared_ptr that gives the freed pages
// back to the system when its last holder lets go. evgend raises glibc's trim
// threshold to 1 GiB (allocator_tuning.cc), and a table below the mmap
// threshold lives on the heap, so an evicted table would otherwise stay
// resident: after reading ten 30 MiB datasets through a 64 MiB cache, evgend
// was 170-300 MiB above its start-up size without the trim, 140-155 with it.
std::shared_ptr<const Table> ShareTable(Table table) {
  return std::shared_ptr<const Table>(new Table(std::move(table)), [](const Table* done) {
    delete done;
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
  });
}

// WriteWeights stores the table's event weights beside data.npy, as a
// one-column .npy (the format every tool reads).
absl::Status WriteWeights(const std::string& dir, const Table& table) {
  EVGEN_ASSIGN_OR_RETURN(Table weights, Table::Create({"weight"}, table.weights()));
  return WriteNpy(dir + "/" + kWeightsFile, weights);
}

// WriteExact stores the exact integer columns, in the order of
// int64_columns() (meta.json lists them), row-major little-endian int64.
absl::Status WriteExact(const std::string& dir, const Table& table) {
  std::string bytes;
  bytes.reserve(table.int64_columns().size() * table.num_rows() * sizeof(int64_t));
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    for (const auto& [column, exact] : table.int64_columns()) {
      bytes.append(reinterpret_cast<const char*>(&exact[r]), sizeof(int64_t));
    }
  }
  return WriteFileAtomically(dir + "/" + kExactFile, bytes);
}

// ReadTypes gives `table` what meta.json says it carries besides its values:
// weights (weights.npy), exact integer columns (exact.i64) and categories. A
// missing or mismatched file is DataLoss, never a table without them.
absl::Status ReadTypes(const std::string& dir, const std::string& name, Table* table) {
  EVGEN_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(dir + "/meta.json"));
  bool has_region_rows = false;
  EVGEN_ASSIGN_OR_RETURN(const DatasetInfo info,
                         InfoFromJson(text, dir + "/meta.json", &has_region_rows));
  const auto lost = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat("dataset: '", name, "': ", what));
  };
  if (info.weighted) {
    const std::string path = dir + "/" + kWeightsFile;
    if (!fs::exists(path)) return lost("is weighted but its weights file is missing");
    NpyReadOptions plain;
    plain.weight_column = "";
    EVGEN_ASSIGN_OR_RETURN(Table weights, ReadNpy(path, plain));
    if (weights.num_columns() != 1 || weights.num_rows() != table->num_rows()) {
      return lost(absl::StrCat("weights file holds ", weights.num_rows(), " x ",
                               weights.num_columns(), " values, expected ", table->num_rows(),
                               " x 1"));
    }
    EVGEN_RETURN_IF_ERROR(table->SetWeights(std::move(weights.mutable_values())));
  }
  if (!info.int64_columns.empty()) {
    absl::StatusOr<std::string> bytes = ReadFileToString(dir + "/" + kExactFile);
    if (!bytes.ok()) return lost("its exact integer columns file is missing");
    const size_t k = info.int64_columns.size();
    if (bytes->size() != k * table->num_rows() * sizeof(int64_t)) {
      return lost(absl::StrCat("exact integer columns file holds ", bytes->size(),
                               " bytes, expected ", k * table->num_rows() * sizeof(int64_t)));
    }
    for (size_t c = 0; c < k; ++c) {
      std::vector<int64_t> exact(table->num_rows());
      for (int64_t r = 0; r < table->num_rows(); ++r) {
        std::memcpy(&exact[r], bytes->data() + (r * k + c) * sizeof(int64_t), sizeof(int64_t));
      }
      absl::Status s = table->SetInt64Column(info.int64_columns[c], std::move(exact));
      if (!s.ok()) return lost(std::string(s.message()));
    }
  }
  if (!info.category_columns.empty()) {
    absl::Status s = table->SetCategories(info.category_labels, info.category_columns);
    if (!s.ok()) return lost(std::string(s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Table>> ReadTable(const std::string& dir, const std::string& name) {
  if (!fs::exists(dir)) return absl::NotFoundError(absl::StrCat("dataset: '", name, "' not found"));
  // Callers waiting for this read are answered only through its result, so
  // running out of memory must become a Status rather than escape.
  try {
    // data.npy holds values only: a feature column named event_weight stays
    // a feature, and the weights come from weights.npy (ReadTypes).
    NpyReadOptions values_only;
    values_only.weight_column = "";
    EVGEN_ASSIGN_OR_RETURN(Table table, ReadNpy(dir + "/data.npy", values_only));
    EVGEN_RETURN_IF_ERROR(ReadTypes(dir, name, &table));
    return ShareTable(std::move(table));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat("dataset: '", name, "' does not fit in the server's memory"));
  }
}

// ReleaseTables drops the tables a store call took out of the cache, after
// the store's lock is released, since freeing a large table and trimming the
// heap (ShareTable) take a while.
void ReleaseTables(std::vector<std::shared_ptr<const Table>>* dropped) {
  dropped->clear();
}

}  // namespace

struct DatasetStore::Record {
  DatasetInfo info;
  std::string text;  // meta.json as read, to notice a concurrent rewrite
  // complete is false for a record written before meta.json held the rows
  // per region, of a table that has a "region" column.
  bool complete = true;
};

absl::Status DatasetStore::Init() { return PrepareStoreRoot(root_); }

absl::StatusOr<DatasetInfo> DatasetStore::Put(const std::string& name, Table table,
                                              const std::string& source, uint64_t seed,
                                              const std::string& read_report) {
  EVGEN_RETURN_IF_ERROR(ValidateName("dataset", name));
  if (table.num_rows() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("dataset '", name, "': no rows"));
  }
  EVGEN_RETURN_IF_ERROR(CheckColumnNames(name, table.columns()));
  DatasetInfo info = MakeInfo(name, table, source, seed);
  if (!read_report.empty()) {
    if (nlohmann::json::parse(read_report, nullptr, false).is_discarded()) {
      return absl::InvalidArgumentError("read_report: not JSON");
    }
    info.read_report = read_report;
  }

  StagingDir staging;
  EVGEN_RETURN_IF_ERROR(staging.Create(root_));
  NpyWriteOptions values_only;
  values_only.weight_column = false;
  EVGEN_RETURN_IF_ERROR(WriteNpy(staging.path() + "/data.npy", table, values_only));
  if (table.has_weights()) EVGEN_RETURN_IF_ERROR(WriteWeights(staging.path(), table));
  if (!table.int64_columns().empty()) EVGEN_RETURN_IF_ERROR(WriteExact(staging.path(), table));
  EVGEN_RETURN_IF_ERROR(
      WriteFileAtomically(staging.path() + "/meta.json", InfoToJson(info).dump(2)));
  // A new dataset is likely read soon, so it is cached when it fits.
  const int64_t bytes = TableBytes(table);
  std::shared_ptr<const Table> shared;
  if (bytes <= config_.cache_bytes) shared = ShareTable(std::move(table));
  std::vector<std::shared_ptr<const Table>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fs::exists(DirOf(name))) {
      return absl::AlreadyExistsError(
          absl::StrCat("dataset: '", name, "' already exists; delete it or choose another name"));
    }
    EVGEN_RETURN_IF_ERROR(staging.Publish(DirOf(name)));
    if (shared) InsertLocked(name, std::move(shared), bytes, &dropped);
  }
  ReleaseTables(&dropped);
  return info;
}

absl::StatusOr<std::shared_ptr<const Table>> DatasetStore::Get(const std::string& name) {
  EVGEN_RETURN_IF_ERROR(ValidateName("dataset", name));
  std::shared_ptr<Load> load;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::shared_ptr<const Table> cached = FindCachedLocked(name)) {
      DatasetCacheMetrics().hits.Increment();
      return cached;
    }
    DatasetCacheMetrics().misses.Increment();
    auto [it, inserted] = loads_.try_emplace(name);
    if (inserted) it->second = std::make_shared<Load>();
    load = it->second;
    first = inserted;
  }
  if (!first) return load->result.get();
  return ReadAndCache(name, load);
}

DatasetStore::TableOrStatus DatasetStore::ReadAndCache(const std::string& name,
                                                       const std::shared_ptr<Load>& load) {
  TableOrStatus result = ReadTable(DirOf(name), name);
  std::vector<std::shared_ptr<const Table>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A Delete of the name while reading dropped the load: the table read is
    // then stale and stays out of the cache.
    auto it = loads_.find(name);
    if (it != loads_.end() && it->second == load) {
      loads_.erase(it);
      if (result.ok()) InsertLocked(name, *result, TableBytes(**result), &dropped);
    }
  }
  load->promise.set_value(result);
  ReleaseTables(&dropped);
  return result;
}

absl::StatusOr<DatasetInfo> DatasetStore::Describe(const std::string& name) {
  EVGEN_RETURN_IF_ERROR(ValidateName("dataset", name));
  EVGEN_ASSIGN_OR_RETURN(Record record, ReadRecord(name));
  if (record.complete) return std::move(record.info);
  return AddRegionRows(name, std::move(record));
}

absl::StatusOr<DatasetStore::Record> DatasetStore::ReadRecord(const std::string& name) const {
  const std::string path = DirOf(name) + "/meta.json";
  if (!fs::exists(path)) return absl::NotFoundError(absl::StrCat("dataset: '", name, "' not found"));
  Record record;
  EVGEN_ASSIGN_OR_RETURN(record.text, ReadFileToString(path));
  bool has_region_rows = false;
  EVGEN_ASSIGN_OR_RETURN(record.info, InfoFromJson(record.text, path, &has_region_rows));
  const std::vector<std::string>& columns = record.info.columns;
  record.complete =
      has_region_rows || std::find(columns.begin(), columns.end(), "region") == columns.end();
  return record;
}

absl::StatusOr<DatasetInfo> DatasetStore::AddRegionRows(const std::string& name, Record record) {
  EVGEN_ASSIGN_OR_RETURN(std::shared_ptr<const Table> table, Get(name));
  record.info.region_rows = CountRowsPerRegion(*table);
  const std::string path = DirOf(name) + "/meta.json";
  std::lock_guard<std::mutex> lock(mu_);
  // Only the record that was counted is rewritten, not one that a Delete and
  // a Put of the same name left meanwhile.
  absl::StatusOr<std::string> now = ReadFileToString(path);
  if (now.ok() && *now == record.text) {
    // A failed rewrite (say, a read-only data directory) costs only a
    // recount at the next Describe.
    WriteFileAtomically(path, InfoToJson(record.info).dump(2)).IgnoreError();
  }
  return std::move(record.info);
}

std::vector<DatasetInfo> DatasetStore::List() const {
  std::vector<DatasetInfo> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || absl::StartsWith(name, ".")) continue;
    if (!ValidateName("dataset", name).ok()) continue;
    absl::StatusOr<Record> record = ReadRecord(name);
    if (record.ok()) out.push_back(std::move(record->info));
  }
  std::sort(out.begin(), out.end(),
            [](const DatasetInfo& a, const DatasetInfo& b) { return a.name < b.name; });
  return out;
}

absl::Status DatasetStore::Delete(const std::string& name) {
  EVGEN_RETURN_IF_ERROR(ValidateName("dataset", name));
  std::vector<std::shared_ptr<const Table>> dropped;
  absl::Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fs::exists(DirOf(name))) {
      return absl::NotFoundError(absl::StrCat("dataset: '", name, "' not found"));
    }
    EraseLocked(name, &dropped);
    loads_.erase(name);
    status = RemoveDirAtomically(root_, DirOf(name));
  }
  ReleaseTables(&dropped);
  return status;
}

int64_t DatasetStore::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.bytes();
}

std::shared_ptr<const Table> DatasetStore::FindCachedLocked(const std::string& name) {
  return cache_.Find(name);
}

void DatasetStore::InsertLocked(const std::string& name, std::shared_ptr<const Table> table,
                                int64_t bytes, std::vector<std::shared_ptr<const Table>>* dropped) {
  cache_.Insert(name, std::move(table), bytes, dropped);
  DatasetCacheMetrics().bytes.Set(static_cast<double>(cache_.bytes()));
}

void DatasetStore::EraseLocked(const std::string& name,
                               std::vector<std::shared_ptr<const Table>>* dropped) {
  cache_.Erase(name, dropped);
  DatasetCacheMetrics().bytes.Set(static_cast<double>(cache_.bytes()));
}

}  // namespace evgen
