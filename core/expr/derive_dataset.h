// derive_dataset.h: DeriveDataset, the use case behind `evgen datasets
// derive`: compute derived columns and a selection on a table read from a
// stored dataset and store the result as a new dataset whose source records
// the expressions. The server resolves the input selection and converts the
// request; everything else happens here.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "core/expr/derive.h"
#include "core/io/table.h"
#include "core/store/dataset_store.h"

namespace evgen {

struct DeriveDatasetPlan {
  std::string name;    // the new dataset
  std::string source;  // what `input` is, for the provenance, e.g. "cms:all"
  DeriveSpec spec;
  uint64_t seed = 0;   // recorded with the new dataset (the input's, when known)
};

// DeriveDataset validates the name, applies plan.spec to `input` and stores
// the result as `plan.name` with source "derive:SOURCE: SPEC (kept K of N
// rows)". InvalidArgument for a bad name or spec (see ApplyDerive),
// AlreadyExists when the name is taken.
[[nodiscard]] absl::StatusOr<DatasetInfo> DeriveDataset(DatasetStore& store, const Table& input,
                                                        const DeriveDatasetPlan& plan);

}  // namespace evgen
