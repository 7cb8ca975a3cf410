// dataset_store.h: DatasetStore, the datasets kept under <data-dir>/datasets.
//
// Layout: datasets/NAME/{data.npy, data.npy.columns, meta.json}. A dataset is
// written into a staging directory and renamed into place in one step, so a
// crash or a failed upload never leaves a partial dataset visible; staging
// leftovers are removed by Init(). Loaded tables are cached and shared
// read-only.
//
// Threading: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"

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
};

class DatasetStore {
 public:
  explicit DatasetStore(std::string root) : root_(std::move(root)) {}

  [[nodiscard]] absl::Status Init();
  // Put stores `table` as a new dataset; AlreadyExists when the name is taken.
  [[nodiscard]] absl::StatusOr<DatasetInfo> Put(const std::string& name, const Table& table,
                                                const std::string& source, uint64_t seed);
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const Table>> Get(const std::string& name);
  [[nodiscard]] absl::StatusOr<DatasetInfo> Describe(const std::string& name) const;
  std::vector<DatasetInfo> List() const;
  [[nodiscard]] absl::Status Delete(const std::string& name);

 private:
  std::string DirOf(const std::string& name) const { return root_ + "/" + name; }

  std::string root_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Table>> cache_;
};

}  // namespace evgen
