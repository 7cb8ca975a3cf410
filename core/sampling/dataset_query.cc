#include "core/sampling/dataset_query.h"

#include "absl/strings/str_cat.h"
#include "core/physics/regions.h"
#include "core/status_macros.h"

namespace evgen {

absl::StatusOr<Table> SelectDataset(DatasetStore& datasets, const DatasetQuery& query,
                                    const std::string& field) {
  if (query.dataset.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".dataset: must name a stored dataset"));
  }
  if (query.max_rows < 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".max_rows: must be >= 0 (0 = all)"));
  }
  EVGEN_ASSIGN_OR_RETURN(std::shared_ptr<const Table> table, datasets.Get(query.dataset));
  EVGEN_ASSIGN_OR_RETURN(Table selected, SelectRegion(*table, query.region));
  if (!query.derive.empty()) {
    EVGEN_ASSIGN_OR_RETURN(DeriveOutcome derived, ApplyDerive(selected, query.derive, field));
    selected = std::move(derived.table);
  }
  if (!query.columns.empty()) {
    EVGEN_ASSIGN_OR_RETURN(selected, selected.SelectColumns(query.columns));
  }
  if (query.max_rows > 0) selected = selected.SliceRows(0, query.max_rows);
  return selected;
}

}  // namespace evgen
