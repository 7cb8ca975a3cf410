#include "core/sampling/unweight.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr uint64_t kUnweightLabel = 0x554e574549474854ULL;  // "UNWEIGHT"

// LogWeights returns log w per row (-inf for a zero weight).
absl::StatusOr<std::vector<double>> LogWeights(const Table& t, const UnweightSpec& spec) {
  const bool by_columns = !spec.log_target_column.empty() || !spec.log_proposal_column.empty();
  std::vector<double> log_w(static_cast<size_t>(t.num_rows()));
  if (!by_columns) {
    if (!t.has_weights()) {
      return absl::InvalidArgumentError(absl::StrCat(
          spec.field, ": the events have no event weights; give them weights or name the log_target and "
                      "log_proposal density columns"));
    }
    for (int64_t r = 0; r < t.num_rows(); ++r) {
      const double w = t.weight(r);
      if (!std::isfinite(w) || w < 0) {
        return absl::InvalidArgumentError(absl::StrCat(spec.field, ": row ", r, " has weight ", w,
                                                       "; unweighting needs finite weights >= 0"));
      }
      log_w[r] = w > 0 ? std::log(w) : -std::numeric_limits<double>::infinity();
    }
    return log_w;
  }
  if (spec.log_target_column.empty() || spec.log_proposal_column.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec.field, ": name both log_target_column and log_proposal_column, or neither"));
  }
  EVGEN_ASSIGN_OR_RETURN(const int target, t.ColumnIndex(spec.log_target_column));
  EVGEN_ASSIGN_OR_RETURN(const int proposal, t.ColumnIndex(spec.log_proposal_column));
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    const double lt = t.at(r, target), lq = t.at(r, proposal);
    // A target density of zero (log -inf) is a valid zero weight; a zero
    // proposal density for a drawn event, or NaN, is not.
    if (std::isnan(lt) || lt == std::numeric_limits<double>::infinity() || !std::isfinite(lq)) {
      return absl::InvalidArgumentError(absl::StrCat(spec.field, ": row ", r, " has ", spec.log_target_column,
                                                     " = ", lt, " and ", spec.log_proposal_column, " = ", lq,
                                                     "; the log proposal must be finite, the log target "
                                                     "finite or -inf"));
    }
    log_w[r] = lt - lq;
    // Weighted events drawn from the proposal keep their own weight as a
    // factor; the kept events drop it, so ignoring it would lose it.
    if (t.has_weights()) {
      const double w = t.weight(r);
      if (!std::isfinite(w) || w < 0) {
        return absl::InvalidArgumentError(absl::StrCat(spec.field, ": row ", r, " has weight ", w,
                                                       "; unweighting needs finite weights >= 0"));
      }
      log_w[r] += w > 0 ? std::log(w) : -std::numeric_limits<double>::infinity();
    }
  }
  return log_w;
}

}  // namespace

absl::StatusOr<UnweightResult> Unweight(const Table& weighted, const UnweightSpec& spec) {
  EVGEN_ASSIGN_OR_RETURN(const std::vector<double> log_w, LogWeights(weighted, spec));
  const double log_max =
      log_w.empty() ? -std::numeric_limits<double>::infinity() : *std::max_element(log_w.begin(), log_w.end());
  if (!std::isfinite(log_max)) {
    return absl::FailedPreconditionError(
        absl::StrCat(spec.field, ": none of the ", weighted.num_rows(), " rows has a positive weight"));
  }
  UnweightResult out;
  out.input_rows = weighted.num_rows();
  double sum_ratio = 0;  // sum of w / w_max, summed in a range that cannot overflow
  std::vector<int64_t> kept;
  for (int64_t r = 0; r < weighted.num_rows(); ++r) {
    const double ratio = std::exp(log_w[r] - log_max);
    sum_ratio += ratio;
    if (CounterRng(DeriveSeed(spec.seed, kUnweightLabel), static_cast<uint64_t>(r)).Uniform() < ratio) {
      kept.push_back(r);
    }
  }
  out.efficiency = sum_ratio / static_cast<double>(weighted.num_rows());
  out.max_weight = std::exp(log_max);
  out.mean_weight = out.efficiency * out.max_weight;
  out.events = weighted.SelectRows(kept);
  out.events.ClearWeights();  // the kept events stand for weight one each
  return out;
}

}  // namespace evgen
