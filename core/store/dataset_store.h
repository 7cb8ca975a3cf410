// dataset_store.h: DatasetStore, the datasets kept under <data-dir>/datasets.
//
// Layout: datasets/NAME/{data.npy, data.npy.columns, weights.npy, exact.i64,
// meta.json}; weights.npy (one float32 per row) exists exactly when the table
// carries event weights, and meta.json says so ("weighted"), so a weighted
// dataset whose weights file went missing is an error, never silently
// unweighted. exact.i64 holds the exact integer columns meta.json lists
// (little-endian int64, row-major), the code table is in meta.json. A dataset is
// written into a staging directory and renamed into place in one step, so a
// crash or a failed upload never leaves a partial dataset visible; staging
// leftovers are removed by Init(). meta.json holds everything Describe and
// List answer (rows, columns, summaries, rows per region), so they never read
// data.npy.
//
// Loaded tables are cached and shared read-only, up to
// DatasetStoreConfig::cache_bytes; the least recently used are evicted first.
// An evicted table stays alive for as long as a caller holds its shared_ptr.
//
// Threading: all methods are thread-safe. Reading a table from disk happens
// outside the store's lock, so a slow read delays only the callers that want
// that same table (they wait for the one read instead of starting another).
#pragma once

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/util/byte_lru.h"

namespace evgen {

// kSummaryQuantileLevels are the quantiles every column summary records.
inline const std::vector<double>& SummaryQuantileLevels() {
  static const std::vector<double> levels = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
  return levels;
}

struct ColumnSummary {
  std::string name;
  double mean = 0, stddev = 0, min = 0, max = 0;
  std::vector<double> quantiles;  // at SummaryQuantileLevels()
  int64_t non_finite = 0;         // NaN (missing) or infinite values, left out of the above
};

struct DatasetInfo {
  std::string name;
  int64_t rows = 0;
  std::vector<std::string> columns;
  std::string source;  // e.g. "reference:qcd-multijet", "upload:events.csv"
  uint64_t seed = 0;
  int64_t created_unix = 0;
  std::vector<ColumnSummary> summaries;
  // region_rows counts the rows per analysis region (CountRowsPerRegion) of a
  // table with a "region" column; empty for other tables.
  std::map<std::string, int64_t> region_rows;
  // Event weights: whether the table carries them, their sum and how many
  // are negative (NLO generators write negative weights).
  bool weighted = false;
  double weight_sum = 0;
  int64_t negative_weights = 0;
  // Typed columns (see Table): exact integer columns, kept in exact.i64, and
  // categorical columns with the dataset's code table.
  std::vector<std::string> int64_columns;
  std::vector<std::string> category_labels;
  std::vector<std::string> category_columns;
  // read_report is what the file's reader reported (ReadReport::ToJson, as
  // JSON text: events kept and skipped by reason, per multiplicity), for
  // uploads; empty otherwise.
  std::string read_report;
};

// DatasetStoreConfig holds a DatasetStore's limits.
struct DatasetStoreConfig {
  // cache_bytes bounds the tables kept in memory, counted as 4 bytes per value
  // and weight. A table larger than the bound is served but not kept; 0 keeps
  // none.
  int64_t cache_bytes = int64_t{1} << 30;
};

class DatasetStore {
 public:
  explicit DatasetStore(std::string root, DatasetStoreConfig config = {})
      : root_(std::move(root)), config_(config), cache_(config.cache_bytes) {}

  [[nodiscard]] absl::Status Init();
  // Put stores `table` as a new dataset; AlreadyExists when the name is
  // taken, InvalidArgument for a table without rows or with a column name
  // that appears twice. The table is taken by value so that the cache keeps
  // the caller's table (moved in) rather than a second copy.
  [[nodiscard]] absl::StatusOr<DatasetInfo> Put(const std::string& name, Table table,
                                                const std::string& source, uint64_t seed,
                                                const std::string& read_report = "");
  // Get returns the table, from the cache or read from disk;
  // ResourceExhausted when there is no memory to read it.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const Table>> Get(const std::string& name);
  // Describe answers from meta.json. A record written before meta.json held
  // rows per region gets them once: the table is read, counted, and the
  // record rewritten.
  [[nodiscard]] absl::StatusOr<DatasetInfo> Describe(const std::string& name);
  // List returns every record as stored, without reading any table (an old
  // record lists without rows per region until Describe adds them).
  std::vector<DatasetInfo> List() const;
  [[nodiscard]] absl::Status Delete(const std::string& name);

  // cached_bytes is the size of the tables the cache holds now.
  int64_t cached_bytes() const;

 private:
  using TableOrStatus = absl::StatusOr<std::shared_ptr<const Table>>;
  // Load is one read of data.npy in progress; Gets of the same dataset that
  // arrive meanwhile wait for its result.
  struct Load {
    std::promise<TableOrStatus> promise;
    std::shared_future<TableOrStatus> result = promise.get_future().share();
  };
  struct Record;  // a parsed meta.json and its text

  std::string DirOf(const std::string& name) const { return root_ + "/" + name; }
  [[nodiscard]] absl::StatusOr<Record> ReadRecord(const std::string& name) const;
  [[nodiscard]] absl::StatusOr<DatasetInfo> AddRegionRows(const std::string& name, Record record);
  [[nodiscard]] TableOrStatus ReadAndCache(const std::string& name, const std::shared_ptr<Load>& load);
  std::shared_ptr<const Table> FindCachedLocked(const std::string& name);
  // The *Locked functions move what they drop into `dropped`, so that the
  // caller frees the tables after unlocking (see ReleaseTables).
  void InsertLocked(const std::string& name, std::shared_ptr<const Table> table, int64_t bytes,
                    std::vector<std::shared_ptr<const Table>>* dropped);
  void EraseLocked(const std::string& name, std::vector<std::shared_ptr<const Table>>* dropped);

  const std::string root_;
  const DatasetStoreConfig config_;
  mutable std::mutex mu_;
  ByteLru<std::string, const Table> cache_;
  std::map<std::string, std::shared_ptr<Load>> loads_;
};

}  // namespace evgen
