#include "core/expr/derive_dataset.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/store/names.h"

namespace evgen {

absl::StatusOr<DatasetInfo> DeriveDataset(DatasetStore& store, const Table& input, const DeriveDatasetPlan& plan) {
  EVGEN_RETURN_IF_ERROR(ValidateName("name", plan.name));
  // Refuse a taken name before the work; Put refuses it again if another
  // call took it meanwhile.
  if (store.Describe(plan.name).ok()) {
    return absl::AlreadyExistsError(absl::StrCat("name: a dataset '", plan.name,
                                                 "' exists already; delete it or choose another name"));
  }
  EVGEN_ASSIGN_OR_RETURN(DeriveOutcome out, ApplyDerive(input, plan.spec, ""));
  const std::string described = DescribeDerive(plan.spec);
  const std::string source =
      absl::StrCat("derive:", plan.source, described.empty() ? "" : ": ", described, " (kept ",
                   out.table.num_rows(), " of ", out.rows_before, " rows)");
  return store.Put(plan.name, std::move(out.table), source, plan.seed);
}

}  // namespace evgen
