#include "absl/strings/str_cat.h"
#include "core/metrics/efp.h"
#include "core/metrics/frechet.h"
#include "core/metrics/metric_adapters.h"
#include "core/metrics/mmd.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

struct Matrices {
  std::vector<std::string> columns;
  FeatureMatrix reference, candidate;
};

// Features builds the feature matrices: the tables' shared (or chosen)
// columns, or with features=efp the 36 d <= 4 energy-flow polynomials of
// jet-cloud tables, the jet features JetNet uses for FPD and KPD.
absl::StatusOr<Matrices> Features(const MetricOptions& options, const Table& reference, const Table& candidate) {
  Matrices m;
  EVGEN_ASSIGN_OR_RETURN(const bool efp, EfpFeatures(options));
  if (efp) {
    EVGEN_ASSIGN_OR_RETURN(Table ref, EnergyFlowPolynomials(reference, EfpSet::kDUpTo4));
    EVGEN_ASSIGN_OR_RETURN(Table cand, EnergyFlowPolynomials(candidate, EfpSet::kDUpTo4));
    m.columns = EfpColumnNames(EfpSet::kDUpTo4);
    EVGEN_ASSIGN_OR_RETURN(m.reference, FeatureMatrixFromTable(ref, m.columns));
    EVGEN_ASSIGN_OR_RETURN(m.candidate, FeatureMatrixFromTable(cand, m.columns));
    return m;
  }
  EVGEN_ASSIGN_OR_RETURN(m.columns, SharedColumns(options, reference, candidate));
  EVGEN_ASSIGN_OR_RETURN(m.reference, FeatureMatrixFromTable(reference, m.columns));
  EVGEN_ASSIGN_OR_RETURN(m.candidate, FeatureMatrixFromTable(candidate, m.columns));
  return m;
}

}  // namespace

absl::StatusOr<bool> EfpFeatures(const MetricOptions& options) {
  const std::string features = options.count("features") ? options.at("features") : "columns";
  if (features != "columns" && features != "efp") {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.features: '", features,
                                                   "' is not one of columns, efp"));
  }
  return features == "efp";
}

absl::StatusOr<MetricInputs> EfpInputs(const MetricOptions& options, const Table& reference,
                                       const Table& candidate) {
  if (options.count("jet_level")) {
    return absl::InvalidArgumentError(
        "metrics.options: features=efp compares each jet's EFPs; jet_level does not apply (columns may pick "
        "EFP columns, efp_0 to efp_35)");
  }
  MetricInputs inputs;
  inputs.reference_in = &reference;
  inputs.candidate_in = &candidate;
  EVGEN_ASSIGN_OR_RETURN(inputs.reference_jets, EnergyFlowPolynomials(reference, EfpSet::kDUpTo4));
  EVGEN_ASSIGN_OR_RETURN(inputs.candidate_jets, EnergyFlowPolynomials(candidate, EfpSet::kDUpTo4));
  return inputs;
}

absl::StatusOr<MetricOutcome> MmdMetric(const MetricOptions& options, const Table& reference,
                                        const Table& candidate, uint64_t seed) {
  EVGEN_ASSIGN_OR_RETURN(Matrices m, Features(options, reference, candidate));
  MmdConfig config;
  config.seed = seed;
  const std::string kernel = options.count("kernel") ? options.at("kernel") : "gaussian";
  if (kernel == "breit-wigner") {
    config.kernel = MmdKernel::kBreitWigner;
  } else if (kernel == "multi-scale") {
    config.kernel = MmdKernel::kMultiScaleGaussian;
  } else if (kernel != "gaussian") {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.kernel: '", kernel,
                                                   "' is not one of gaussian, breit-wigner, multi-scale"));
  }
  EVGEN_ASSIGN_OR_RETURN(config.sigma, DoubleOption(options, "sigma", config.sigma, 1e-12, 1e12));
  EVGEN_ASSIGN_OR_RETURN(int max_samples, IntOption(options, "max_samples", 2000, 10, 100000));
  config.max_samples = max_samples;
  EVGEN_ASSIGN_OR_RETURN(config.bootstrap, IntOption(options, "bootstrap", config.bootstrap, 0, 1000));
  EVGEN_ASSIGN_OR_RETURN(MmdResult r, Mmd(m.reference, m.candidate, config));
  MetricOutcome out;
  out.name = "mmd";
  out.value = r.mmd2;
  out.uncertainty = r.error;
  out.warnings = r.warnings;
  out.details = {{"columns", m.columns}, {"kernel", kernel}, {"sigma", config.sigma},
                 {"rows", {r.rows_x, r.rows_y}}, {"subsampled", r.subsampled}};
  return out;
}

absl::StatusOr<MetricOutcome> FrechetDistanceMetric(const MetricOptions& options, const Table& reference,
                                                    const Table& candidate, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(Matrices m, Features(options, reference, candidate));
  EVGEN_ASSIGN_OR_RETURN(double fd, FrechetDistance(m.reference, m.candidate));
  MetricOutcome out;
  out.name = "frechet-distance";
  out.value = fd;
  out.details = {{"columns", m.columns}};
  return out;
}

absl::StatusOr<MetricOutcome> FpdMetric(const MetricOptions& options, const Table& reference,
                                        const Table& candidate, uint64_t seed) {
  EVGEN_ASSIGN_OR_RETURN(Matrices m, Features(options, reference, candidate));
  FpdConfig config;
  config.seed = seed;
  EVGEN_ASSIGN_OR_RETURN(int lo, IntOption(options, "min_samples", static_cast<int>(config.min_samples), 10, 10'000'000));
  EVGEN_ASSIGN_OR_RETURN(int hi, IntOption(options, "max_samples", static_cast<int>(config.max_samples), 10, 10'000'000));
  config.min_samples = lo;
  config.max_samples = hi;
  EVGEN_ASSIGN_OR_RETURN(FpdResult r, FrechetPhysicsDistance(m.reference, m.candidate, config));
  MetricOutcome out;
  out.name = "fpd";
  out.value = r.value;
  out.uncertainty = r.error;
  out.warnings = r.warnings;
  out.details = {{"columns", m.columns}, {"batch_sizes", r.batch_sizes}, {"mean_fd", JsonNumbers(r.mean_fd)},
                 {"slope", r.slope}};
  return out;
}

absl::StatusOr<MetricOutcome> KpdMetric(const MetricOptions& options, const Table& reference,
                                        const Table& candidate, uint64_t seed) {
  EVGEN_ASSIGN_OR_RETURN(Matrices m, Features(options, reference, candidate));
  KpdConfig config;
  config.seed = seed;
  EVGEN_ASSIGN_OR_RETURN(int batch, IntOption(options, "batch_size", static_cast<int>(config.batch_size), 10, 1'000'000));
  config.batch_size = batch;
  EVGEN_ASSIGN_OR_RETURN(config.num_batches, IntOption(options, "num_batches", config.num_batches, 1, 1000));
  EVGEN_ASSIGN_OR_RETURN(KpdResult r, KernelPhysicsDistance(m.reference, m.candidate, config));
  MetricOutcome out;
  out.name = "kpd";
  out.value = r.value;
  out.uncertainty = r.error;
  out.warnings = r.warnings;
  out.details = {{"columns", m.columns}, {"batch_values", JsonNumbers(r.batch_values)}};
  return out;
}

absl::StatusOr<MetricOutcome> W1EfpMetric(const MetricOptions& options, const Table& reference,
                                          const Table& candidate, uint64_t seed) {
  W1EfpConfig config;
  config.seed = seed;
  EVGEN_ASSIGN_OR_RETURN(int samples, IntOption(options, "num_eval_samples", static_cast<int>(config.num_eval_samples),
                                                10, 10'000'000));
  config.num_eval_samples = samples;
  EVGEN_ASSIGN_OR_RETURN(config.num_batches, IntOption(options, "num_batches", config.num_batches, 1, 1000));
  EVGEN_ASSIGN_OR_RETURN(W1EfpResult r, W1Efp(reference, candidate, config));
  MetricOutcome out;
  out.name = "w1-efp";
  out.value = r.mean_over_efps;
  out.warnings = r.warnings;
  for (size_t i = 0; i < r.efps.size(); ++i) out.details["efps"][r.efps[i]] = {{"mean", r.mean[i]}, {"std", r.std[i]}};
  return out;
}

}  // namespace evgen
