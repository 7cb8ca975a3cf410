#include "core/models/model.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

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

absl::StatusOr<std::unique_ptr<Model>> Model::ForInference(const InferenceTarget& target) const {
  return absl::UnimplementedError(absl::StrCat("precision/device: ", kind(), " models sample in fp32 on the cpu only; ",
                                               target.precision, " on ", target.device, " was asked for"));
}

absl::StatusOr<std::vector<int64_t>> Model::SetSizes(const Table& conditions, int64_t sets, uint64_t,
                                                     int64_t first) const {
  if (samples_sets()) {
    return absl::UnimplementedError(absl::StrCat(kind(), " models generate sets but tell no sizes"));
  }
  EVGEN_RETURN_IF_ERROR(CheckSampleArguments(*this, conditions, sets, first));
  return std::vector<int64_t>(static_cast<size_t>(sets), 1);
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
