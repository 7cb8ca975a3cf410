#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/metrics/classifier_test2s.h"
#include "core/metrics/efp.h"
#include "core/metrics/metric_adapters.h"
#include "core/metrics/particle_columns.h"
#include "core/metrics/physics_checks.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

nlohmann::json SummaryJson(const DistributionSummary& s) {
  return {{"count", s.count},
          {"mean", s.mean},
          {"std", s.std},
          {"quantile_levels", s.quantile_levels},
          {"quantiles", s.quantiles}};
}

nlohmann::json FitJson(const PeakFitResult& f) {
  return {{"position_gev", f.position}, {"position_error_gev", f.position_error},
          {"width_gev", f.width},       {"width_error_gev", f.width_error},
          {"converged", f.converged},   {"entries", f.entries_in_range},
          {"range_gev", {f.lower_gev, f.upper_gev}}};
}

absl::StatusOr<std::vector<std::string>> Particles(const MetricOptions& options) {
  std::vector<std::string> particles = ListOption(options, "particles", {});
  if (particles.empty()) {
    return absl::InvalidArgumentError(
        "metrics.options.particles: name the particle column prefixes, e.g. particles=p1,p2 for "
        "p1_e_gev ... p2_pz_gev");
  }
  return particles;
}

// ClassifierInputs: the rows classifier-auc compares. jet_level=1 gives one
// row per jet with its jet columns; features=efp one row per jet with its
// 36 d <= 4 energy-flow polynomials, which see the jet's substructure in
// pT fractions and angles only (so not the jet's pT), the features JetNet
// computes FPD and KPD on; `columns` may pick some of them, to see which
// together tell the jets apart.
absl::StatusOr<MetricInputs> ClassifierInputs(const MetricOptions& options, const Table& reference,
                                              const Table& candidate, std::vector<std::string>& efp_columns) {
  EVGEN_ASSIGN_OR_RETURN(const bool efp, EfpFeatures(options));
  if (!efp) return JetLevelInputs(options, reference, candidate);
  EVGEN_ASSIGN_OR_RETURN(MetricInputs inputs, EfpInputs(options, reference, candidate));
  if (!options.count("columns")) efp_columns = EfpColumnNames(EfpSet::kDUpTo4);
  return inputs;
}

}  // namespace

absl::StatusOr<MetricOutcome> ClassifierAucMetric(const MetricOptions& options, const Table& reference_in,
                                                  const Table& candidate_in, uint64_t seed) {
  std::vector<std::string> efp_columns;
  EVGEN_ASSIGN_OR_RETURN(MetricInputs inputs, ClassifierInputs(options, reference_in, candidate_in, efp_columns));
  const Table& reference = inputs.reference();
  const Table& candidate = inputs.candidate();
  ClassifierTestConfig config;
  if (efp_columns.empty()) {
    EVGEN_ASSIGN_OR_RETURN(config.columns, SharedColumns(options, reference, candidate));
  } else {
    config.columns = std::move(efp_columns);
  }
  config.seed = seed;
  EVGEN_ASSIGN_OR_RETURN(int rows, IntOption(options, "max_rows", 20000, 100, 10'000'000));
  config.max_rows_per_sample = rows;
  EVGEN_ASSIGN_OR_RETURN(config.epochs, IntOption(options, "epochs", config.epochs, 1, 1000));
  EVGEN_ASSIGN_OR_RETURN(ClassifierTestResult r, ClassifierTwoSampleTest(reference, candidate, config));
  MetricOutcome out;
  out.name = "classifier-auc";
  out.value = r.auc;
  out.uncertainty = r.auc_null_std;
  out.details = {{"columns", config.columns},
                 {"seed", r.seed},
                 {"train_loss", r.train_loss},
                 {"test_rows", {r.reference_test_rows, r.generated_test_rows}},
                 {"auc_null_std", r.auc_null_std}};
  return out;
}

absl::StatusOr<MetricOutcome> MomentumBalanceMetric(const MetricOptions& options, const Table& reference,
                                                    const Table& candidate, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> particles, Particles(options));
  EVGEN_ASSIGN_OR_RETURN(MomentumBalanceResult ref, MomentumBalance(reference, particles));
  EVGEN_ASSIGN_OR_RETURN(MomentumBalanceResult cand, MomentumBalance(candidate, particles));
  MetricOutcome out;
  out.name = "momentum-balance";
  out.value = cand.x.std;
  out.details = {{"reference", {{"x", SummaryJson(ref.x)}, {"y", SummaryJson(ref.y)}}},
                 {"candidate", {{"x", SummaryJson(cand.x)}, {"y", SummaryJson(cand.y)}}}};
  return out;
}

// PeakInput is what mass-peak fits in one table: a mass column's values or
// the invariant mass of particles, with the table's event weights.
struct PeakInput {
  std::vector<double> values;
  std::vector<double> weights;
  std::string fitted;
};

absl::StatusOr<PeakInput> PeakValues(const MetricOptions& options, const Table& table, const char* side) {
  const bool by_column = options.count("column") > 0;
  if (by_column == (options.count("particles") > 0)) {
    return absl::InvalidArgumentError(
        "metrics.options: set one of column (a mass column, e.g. column=M) or particles (e.g. particles=1,2 "
        "for E1..pz2 or pt1,eta1,phi1..; particles=p1,p2 for p1_e_gev..)");
  }
  PeakInput in;
  if (table.has_weights()) in.weights.assign(table.weights().begin(), table.weights().end());
  if (by_column) {
    const std::string& name = options.at("column");
    absl::StatusOr<int> index = table.ColumnIndex(name);
    if (!index.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("metrics.options.column: the ", side, " table: ",
                                                     index.status().message()));
    }
    const std::vector<float> column = table.Column(*index);
    in.values.assign(column.begin(), column.end());
    in.fitted = absl::StrCat("column ", name);
    return in;
  }
  EVGEN_ASSIGN_OR_RETURN(const double mass, DoubleOption(options, "particle_mass_gev", 0, 0, 1e4));
  absl::StatusOr<ParticleMasses> masses = ParticleGroupMass(table, ListOption(options, "particles", {}), mass);
  if (!masses.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(masses.status().message(), " (", side, " table)"));
  }
  in.values = std::move(masses->masses);
  in.fitted = std::move(masses->description);
  return in;
}

absl::StatusOr<PeakFitResult> FitSide(const MetricOptions& options, const Table& table, const char* side,
                                      const PeakFitConfig& config, std::string* fitted) {
  EVGEN_ASSIGN_OR_RETURN(PeakInput in, PeakValues(options, table, side));
  *fitted = std::move(in.fitted);
  absl::StatusOr<PeakFitResult> fit = FitPeak(in.values, in.weights, config);
  if (!fit.ok()) return absl::InvalidArgumentError(absl::StrCat(fit.status().message(), " (", side, " table)"));
  return fit;
}

absl::StatusOr<MetricOutcome> MassPeakMetric(const MetricOptions& options, const Table& reference,
                                             const Table& candidate, uint64_t) {
  PeakFitConfig config;
  const std::string shape = options.count("shape") ? options.at("shape") : "breit-wigner";
  if (shape == "gaussian") {
    config.shape = PeakShape::kGaussian;
  } else if (shape != "breit-wigner") {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.shape: '", shape,
                                                   "' is not one of breit-wigner, gaussian"));
  }
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  EVGEN_ASSIGN_OR_RETURN(config.lower_gev, DoubleOption(options, "lower_gev", kNaN, 0, 1e6));
  EVGEN_ASSIGN_OR_RETURN(config.upper_gev, DoubleOption(options, "upper_gev", kNaN, 0, 1e6));
  EVGEN_ASSIGN_OR_RETURN(config.bins, IntOption(options, "bins", config.bins, 10, 100000));
  std::string fitted_reference, fitted_candidate;
  EVGEN_ASSIGN_OR_RETURN(PeakFitResult ref, FitSide(options, reference, "reference", config, &fitted_reference));
  EVGEN_ASSIGN_OR_RETURN(PeakFitResult cand, FitSide(options, candidate, "candidate", config, &fitted_candidate));
  MetricOutcome out;
  out.name = "mass-peak";
  out.value = cand.position - ref.position;
  out.uncertainty = std::hypot(cand.position_error, ref.position_error);
  out.details = {{"reference", FitJson(ref)},
                 {"candidate", FitJson(cand)},
                 {"fitted", fitted_reference == fitted_candidate
                                ? fitted_reference
                                : absl::StrCat(fitted_reference, " vs ", fitted_candidate)},
                 {"shape", shape},
                 {"width_ratio", ref.width > 0 ? cand.width / ref.width : 0.0}};
  if (!ref.converged || !cand.converged) out.warnings.push_back("a peak fit did not converge");
  return out;
}

absl::StatusOr<MetricOutcome> JetMassSumRatioMetric(const MetricOptions& options, const Table& reference,
                                                    const Table& candidate, uint64_t) {
  JetMassSumConfig config;
  std::vector<double> edges;
  for (const std::string& e : ListOption(options, "edges_gev", {"0", "200", "400", "600", "800", "1000", "1500"})) {
    double v = 0;
    if (!absl::SimpleAtod(e, &v)) {
      return absl::InvalidArgumentError(absl::StrCat("metrics.options.edges_gev: '", e, "' is not a number"));
    }
    edges.push_back(v);
  }
  config.bin_edges_gev = edges;
  EVGEN_ASSIGN_OR_RETURN(config.max_n_track,
                         DoubleOption(options, "max_n_track", std::numeric_limits<double>::infinity(), 0,
                                      std::numeric_limits<double>::infinity()));
  EVGEN_ASSIGN_OR_RETURN(config.generated_dressings, IntOption(options, "dressings", 1, 1, 1000));
  EVGEN_ASSIGN_OR_RETURN(JetMassSumResult r, JetMassSumRatio(reference, candidate, config));
  MetricOutcome out;
  out.name = "jet-mass-sum-ratio";
  for (double e : r.symmetrized_error) {
    if (std::isfinite(e)) out.value = std::max(out.value, e);
  }
  out.details = {{"edges_gev", r.bin_edges_gev},
                 {"ratio", JsonNumbers(r.ratio)},
                 {"ratio_error", JsonNumbers(r.ratio_error)},
                 {"symmetrized_error", JsonNumbers(r.symmetrized_error)},
                 {"selected_events", {r.reference_selected, r.generated_selected}},
                 {"events", {r.reference_events, r.generated_events}}};
  return out;
}

}  // namespace evgen
