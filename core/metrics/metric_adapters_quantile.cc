// The quantile-error metric of core/metrics/quantile_error.h behind the
// registry's signature: per column, the candidate's quantile MSE against the
// reference's quantiles and the truth-sample size it is worth.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/metrics/metric_adapters.h"
#include "core/metrics/quantile_error.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

std::vector<double> Column(const Table& table, const std::string& column) {
  const int c = *table.ColumnIndex(column);
  std::vector<double> out(table.num_rows());
  for (int64_t r = 0; r < table.num_rows(); ++r) out[r] = table.at(r, c);
  return out;
}

}  // namespace

absl::StatusOr<MetricOutcome> QuantileErrorMetric(const MetricOptions& options, const Table& reference,
                                                  const Table& candidate, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(const std::vector<std::string> columns, SharedColumns(options, reference, candidate));
  EVGEN_ASSIGN_OR_RETURN(const int quantiles, IntOption(options, "quantiles", 20, 2, 1000));
  MetricOutcome out;
  out.name = "quantile-error";
  const double floor = ReferenceFloor(quantiles, static_cast<double>(reference.num_rows()));
  for (const std::string& name : columns) {
    absl::StatusOr<std::vector<double>> edges = QuantileEdges(Column(reference, name), quantiles);
    absl::StatusOr<QuantileErrorResult> r =
        edges.ok() ? QuantileError(*edges, Column(candidate, name)) : edges.status();
    if (!r.ok()) return absl::Status(r.status().code(), absl::StrCat("column '", name, "': ", r.status().message()));
    out.value = std::max(out.value, r->mse);
    const double n = static_cast<double>(r->rows);
    out.details["columns"][name] = {
        {"edges", *edges},
        {"fractions", r->fractions},
        {"rows", r->rows},
        {"mse", r->mse},
        {"equivalent_truth_events", std::isfinite(r->equivalent_events) ? nlohmann::json(r->equivalent_events)
                                                                        : nlohmann::json(nullptr)},
        {"amplification", std::isfinite(r->equivalent_events) ? nlohmann::json(r->equivalent_events / n)
                                                              : nlohmann::json(nullptr)},
        {"expected_truth_mse", r->expected_truth_mse},
        {"truth_mse_std", TruthMseStd(quantiles, n)}};
    // The reference's own edges add about `floor` to every MSE: a measured
    // MSE within ten times of it says more about the reference than the candidate.
    if (r->mse < 10 * floor) {
      out.warnings.push_back(absl::StrFormat(
          "quantile-error: column '%s' has MSE %.3g, within 10x of the %.3g that the reference's %d rows add; "
          "use a larger reference",
          name, r->mse, floor, reference.num_rows()));
    }
  }
  out.details["quantiles"] = quantiles;
  out.details["reference_rows"] = reference.num_rows();
  out.details["reference_floor_mse"] = floor;
  if (reference.has_weights() || candidate.has_weights()) {
    out.warnings.push_back("quantile-error: event weights are ignored (rows are counted)");
  }
  return out;
}

}  // namespace evgen
