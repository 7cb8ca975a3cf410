#include "core/models/model.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace evgen {

std::vector<absl::StatusOr<Table>> Model::SampleShared(const std::vector<SampleShare>& shares) const {
  std::vector<absl::StatusOr<Table>> out;
  out.reserve(shares.size());
  for (const SampleShare& s : shares) out.push_back(Sample(*s.conditions, s.rows, s.seed, s.first_row));
  return out;
}

absl::StatusOr<std::vector<double>> Model::LogDensity(const Table&) const {
  return absl::FailedPreconditionError(absl::StrCat(kind(), " models have no density"));
}

absl::Status CheckSampleArguments(const Model& model, const Table& conditions, int64_t rows,
                                  int64_t first_row) {
  if (rows < 0 || first_row < 0) {
    return absl::InvalidArgumentError(absl::StrCat(model.kind(), " sample: rows (", rows,
                                                   ") and first_row (", first_row, ") must be >= 0"));
  }
  if (model.condition_columns().empty()) return absl::OkStatus();
  if (conditions.num_rows() != rows) {
    return absl::InvalidArgumentError(absl::StrCat(model.kind(), " sample: ", rows, " rows asked for but ",
                                                   conditions.num_rows(), " conditions rows given"));
  }
  for (const std::string& c : model.condition_columns()) {
    if (!conditions.HasColumn(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          model.kind(), " sample: conditions: missing column '", c, "'; the model needs [",
          absl::StrJoin(model.condition_columns(), ", "), "]"));
    }
  }
  return absl::OkStatus();
}

}  // namespace evgen
