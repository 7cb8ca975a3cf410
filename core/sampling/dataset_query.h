// dataset_query.h: DatasetQuery, a selection of rows and columns of a stored
// dataset (region, derived columns, a where condition, columns, a row cap),
// and SelectDataset, which applies it. Sample conditions, metric inputs and
// exports all read stored data this way; the server fills a query from the
// request once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/expr/derive.h"
#include "core/io/table.h"
#include "core/store/dataset_store.h"

namespace evgen {

struct DatasetQuery {
  std::string dataset;
  std::string region;                // "" or "all": every row
  DeriveSpec derive;                 // computed columns and the where condition
  std::vector<std::string> columns;  // empty: every column
  int64_t max_rows = 0;              // 0: every row
};

// SelectDataset applies region, derived columns, where, columns and
// max_rows, in that order. Messages name `field` (e.g.
// "reference.dataset.where"); NotFound for an unknown dataset.
[[nodiscard]] absl::StatusOr<Table> SelectDataset(DatasetStore& datasets, const DatasetQuery& query,
                                                  const std::string& field);

}  // namespace evgen
