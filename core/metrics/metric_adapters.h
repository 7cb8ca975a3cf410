// metric_adapters.h: the metrics of core/metrics behind one signature, so the
// registry (metric_registry.cc) can offer them by name with string options.
// Each returns a scalar value (documented per metric in its registry entry),
// an uncertainty where one exists, per-column or per-bin details as JSON, and
// warnings.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/metrics/metric_options.h"
#include "core/metrics/metric_registry.h"

namespace evgen {

// JsonNumbers writes NaN and infinities (empty bins) as null: JSON has no NaN.
inline nlohmann::json JsonNumbers(const std::vector<double>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (double x : values) out.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr));
  return out;
}

using MetricAdapter = absl::StatusOr<MetricOutcome> (*)(const MetricOptions&, const Table& reference,
                                                        const Table& candidate, uint64_t seed);

// One-dimensional and correlation metrics (metric_adapters_1d.cc).
[[nodiscard]] absl::StatusOr<MetricOutcome> HistogramsMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
[[nodiscard]] absl::StatusOr<MetricOutcome> CorrelationsMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
absl::StatusOr<MetricOutcome> Wasserstein1Metric(const MetricOptions&, const Table&, const Table&, uint64_t);
[[nodiscard]] absl::StatusOr<MetricOutcome> KsMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
absl::StatusOr<MetricOutcome> Chi2Metric(const MetricOptions&, const Table&, const Table&, uint64_t);
[[nodiscard]] absl::StatusOr<MetricOutcome> RelativeMeanDifferenceMetric(const MetricOptions&, const Table&, const Table&,
                                                           uint64_t);
// The mean of one column in bins of another, e.g. jet mass in N_track bins.
[[nodiscard]] absl::StatusOr<MetricOutcome> BinnedMeanMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
// JetRows: one row per jet of a jet-cloud table (its constituent 0), with the
// jet as its constituents make it (cloud_pt_gev, cloud_mass_gev) when the
// table has log_pt, eta_rel and phi_rel; `which` names the table in errors.
[[nodiscard]] absl::StatusOr<Table> JetRows(const Table& clouds, const char* which);
// MetricInputs is what a metric that takes `jet_level` compares: the tables
// as given, with jet_level=1 their JetRows, or with pt_rel=1 (wasserstein-1)
// their rows with pt_rel added (a constituent's pT over its jet's, the jet
// as its constituents make it). The derived tables are held in *_jets.
struct MetricInputs {
  const Table& reference() const { return reference_jets ? *reference_jets : *reference_in; }
  const Table& candidate() const { return candidate_jets ? *candidate_jets : *candidate_in; }
  const Table* reference_in = nullptr;
  const Table* candidate_in = nullptr;
  std::optional<Table> reference_jets, candidate_jets;
};
// JetLevelInputs reads options.jet_level (0 or 1) and selects accordingly.
[[nodiscard]] absl::StatusOr<MetricInputs> JetLevelInputs(const MetricOptions& options, const Table& reference,
                                                          const Table& candidate);
// ConstituentInputs is JetLevelInputs that also reads options.pt_rel (0 or
// 1; not together with jet_level=1).
[[nodiscard]] absl::StatusOr<MetricInputs> ConstituentInputs(const MetricOptions& options, const Table& reference,
                                                             const Table& candidate);
// EfpFeatures reads options.features: false for "columns" (the default),
// true for "efp" (each jet of a jet-cloud table as its d <= 4 EFPs).
[[nodiscard]] absl::StatusOr<bool> EfpFeatures(const MetricOptions& options);
// EfpInputs: each jet of both jet-cloud tables as one row of its d <= 4
// EFPs (EfpColumnNames(EfpSet::kDUpTo4)), for a metric given features=efp
// (its `columns` may then pick EFP columns); InvalidArgument naming
// jet_level when `options` gives it.
[[nodiscard]] absl::StatusOr<MetricInputs> EfpInputs(const MetricOptions& options, const Table& reference,
                                                     const Table& candidate);
// Posterior calibration: reference = truths, candidate = K samples per truth.
[[nodiscard]] absl::StatusOr<MetricOutcome> CalibrationMetric(const MetricOptions&, const Table&, const Table&, uint64_t);

}  // namespace evgen

namespace evgen {

// Physics checks and the classifier test (metric_adapters_physics.cc).
[[nodiscard]] absl::StatusOr<MetricOutcome> ClassifierAucMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
[[nodiscard]] absl::StatusOr<MetricOutcome> MomentumBalanceMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
[[nodiscard]] absl::StatusOr<MetricOutcome> MassPeakMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
[[nodiscard]] absl::StatusOr<MetricOutcome> JetMassSumRatioMetric(const MetricOptions&, const Table&, const Table&, uint64_t);

}  // namespace evgen

namespace evgen {

// Kernel and Frechet distances (metric_adapters_nd.cc).
[[nodiscard]] absl::StatusOr<MetricOutcome> MmdMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
[[nodiscard]] absl::StatusOr<MetricOutcome> FrechetDistanceMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
[[nodiscard]] absl::StatusOr<MetricOutcome> FpdMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
[[nodiscard]] absl::StatusOr<MetricOutcome> KpdMetric(const MetricOptions&, const Table&, const Table&, uint64_t);
// W1-EFP on jet-cloud tables (metric_adapters_nd.cc).
absl::StatusOr<MetricOutcome> W1EfpMetric(const MetricOptions&, const Table&, const Table&, uint64_t);

}  // namespace evgen

namespace evgen {

// The GANplification quantile error of 1-D columns (metric_adapters_quantile.cc).
[[nodiscard]] absl::StatusOr<MetricOutcome> QuantileErrorMetric(const MetricOptions&, const Table&, const Table&, uint64_t);

}  // namespace evgen
