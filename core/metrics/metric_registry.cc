#include "core/metrics/metric_registry.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/metrics/metric_adapters.h"
#include "core/metrics/metric_options.h"
#include "core/metrics/separation_power.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/store/names.h"

namespace evgen {
namespace {

constexpr int kMaxBootstrap = 1000;

Table Resample(const Table& table, uint64_t seed) {
  CounterRng rng(seed, 0);
  std::vector<int64_t> rows(table.num_rows());
  for (int64_t& r : rows) r = static_cast<int64_t>(rng.Uniform() * table.num_rows());
  return table.SelectRows(rows);
}

absl::StatusOr<MetricOutcome> SeparationPowerMetric(
    const std::map<std::string, std::string>& options, const Table& reference,
    const Table& candidate, uint64_t seed) {
  SeparationPowerConfig config;
  config.cell_columns = ListOption(options, "cell_columns", config.cell_columns);
  config.abs_columns = ListOption(options, "abs_columns", config.abs_columns);
  if (auto it = options.find("value_column"); it != options.end()) config.value_column = it->second;
  EVGEN_ASSIGN_OR_RETURN(config.value_bins, IntOption(options, "value_bins", config.value_bins, 2, 10000));
  EVGEN_ASSIGN_OR_RETURN(int bootstrap, IntOption(options, "bootstrap", 20, 0, kMaxBootstrap));
  EVGEN_ASSIGN_OR_RETURN(SeparationPowerResult result, SeparationPower(reference, candidate, config));

  MetricOutcome out;
  out.name = "separation-power";
  out.value = result.separation;
  for (const SeparationCell& cell : result.cells) {
    out.details["cells"].push_back({{"lower", cell.lower},
                                    {"upper", cell.upper},
                                    {"reference_count", cell.reference_count},
                                    {"candidate_count", cell.generated_count},
                                    {"separation", cell.separation}});
  }
  out.details["config"] = {{"cell_columns", config.cell_columns},
                           {"abs_columns", config.abs_columns},
                           {"value_column", config.value_column},
                           {"value_bins", config.value_bins},
                           {"bootstrap", bootstrap}};
  // The bootstrap spread of S over resampled tables is its statistical error.
  if (bootstrap > 1) {
    double sum = 0, sum2 = 0;
    for (int b = 0; b < bootstrap; ++b) {
      EVGEN_ASSIGN_OR_RETURN(SeparationPowerResult r,
                             SeparationPower(Resample(reference, DeriveSeed(seed, 2 * b)),
                                             Resample(candidate, DeriveSeed(seed, 2 * b + 1)), config));
      sum += r.separation;
      sum2 += r.separation * r.separation;
    }
    const double mean = sum / bootstrap;
    out.uncertainty = std::sqrt(std::max(0.0, sum2 / bootstrap - mean * mean));
  }
  const int64_t smallest = std::min(reference.num_rows(), candidate.num_rows());
  const int64_t per_bin = smallest / std::max<int64_t>(1, result.cells.size() * config.value_bins);
  if (per_bin < 10) {
    out.warnings.push_back(absl::StrCat("only ~", per_bin,
                                        " rows per (cell, bin): the binned estimate is biased "
                                        "upwards; use fewer value_bins or more rows"));
  }
  return out;
}

using MetricFunction = absl::StatusOr<MetricOutcome> (*)(const std::map<std::string, std::string>&,
                                                         const Table&, const Table&, uint64_t);

struct Entry {
  MetricInfo info;
  MetricFunction compute;
};

const std::vector<Entry>& Entries() {
  static const auto* entries = new std::vector<Entry>{
      {{"separation-power",
        "eq. 3.1 of Lin, Bhimji, Nachman 2019 in 2^k equal-statistics cells (0 identical, 1 "
        "disjoint), with a bootstrap error",
        {"cell_columns", "abs_columns", "value_column", "value_bins", "bootstrap"}},
       SeparationPowerMetric},
      {{"histograms",
        "per column: densities of both tables in shared bins over the central 99%, ratio with "
        "Poisson errors; value = the largest chi2/ndf",
        {"columns", "bins"}},
       HistogramsMetric},
      {{"chi2", "per column chi2/ndf of the normalised histograms; value = the largest",
        {"columns", "bins"}},
       Chi2Metric},
      {{"correlations",
        "Pearson and Spearman matrices of both tables; value = the largest |Pearson difference|",
        {"columns"}},
       CorrelationsMetric},
      {{"wasserstein-1",
        "exact 1-D W1 per column from sorted samples; with num_batches, JetNet's batched W1 (e.g. w1m "
        "on jet mass): mean +- std over batches of num_eval_samples resampled rows; value = the mean "
        "over columns; jet_level=1 counts each jet of a jet-cloud table once and adds cloud_pt_gev "
        "and cloud_mass_gev, the massless sum of its constituents (JetNet's W1M: columns=cloud_mass_gev); "
        "pt_rel=1 adds pt_rel to every constituent, its pT over that sum's",
        {"columns", "num_batches", "num_eval_samples", "jet_level", "pt_rel"}},
       Wasserstein1Metric},
      {{"ks",
        "two-sample Kolmogorov-Smirnov per column with p-values and both means; value = the largest statistic; "
        "features=efp compares the jets' 36 d <= 4 EFPs one by one and names each one's graph",
        {"columns", "features"}},
       KsMetric},
      {{"relative-mean-difference",
        "(generated mean - reference mean) / reference mean per column; value = the largest |.|",
        {"columns"}},
       RelativeMeanDifferenceMetric},
      {{"binned-mean",
        "mean of value_column in bins of `by` (reference quantiles, or explicit edges), per bin "
        "(candidate - reference) / reference with errors; value = the largest |.|",
        {"value_column", "by", "bins", "edges"}},
       BinnedMeanMetric},
      {{"calibration",
        "posterior calibration (unfolding): reference = M truths, candidate = K samples per truth (row r "
        "belongs to truth r mod M, as `evgen sample` reuses conditions); per column the fraction of truths "
        "below each posterior quantile (levels 0.05..0.95 for levels=10); value = the largest |coverage - q|",
        {"columns", "levels"}},
       CalibrationMetric},
      {{"quantile-error",
        "per column: MSE of the candidate's fractions in `quantiles` equal-probability bins of the "
        "reference (1/N_q sum (p_j - 1/N_q)^2, GANplification) and the truth-sample size it is worth; "
        "value = the largest MSE",
        {"columns", "quantiles"}},
       QuantileErrorMetric},
      {{"classifier-auc",
        "ROC AUC of a small MLP trained to tell candidate from reference on a held-out split (0.5: "
        "indistinguishable); uncertainty = the AUC's spread under no difference; jet_level=1 classifies "
        "the jets of jet-cloud tables (columns as wasserstein-1's jet_level); features=efp classifies "
        "jets on their 36 d <= 4 EFPs (substructure), or on the EFP columns named (e.g. columns=efp_1,efp_7)",
        {"columns", "max_rows", "epochs", "jet_level", "features"}},
       ClassifierAucMetric},
      {{"momentum-balance",
        "per event sum(p_x) / sum(|p_x|) over the named particles; value = its std in the candidate",
        {"particles"}},
       MomentumBalanceMetric},
      {{"mass-peak",
        "binned likelihood fit of a mass peak in both tables: a mass column (column=M) or the invariant "
        "mass of particles (particles=1,2 reads E1..pz2 or pt1,eta1,phi1.. with particle_mass_gev; "
        "particles=p1,p2 reads p1_e_gev..); value = candidate minus reference position (GeV)",
        {"column", "particles", "particle_mass_gev", "shape", "lower_gev", "upper_gev", "bins"}},
       MassPeakMetric},
      {{"jet-mass-sum-ratio",
        "sum of the 4 leading jet masses, candidate/reference ratio with an optional N_track cut "
        "(Fig. 6 of Lin, Bhimji, Nachman); value = the largest symmetrised ratio error; dressings=K: the "
        "candidate is K consecutive dressings of the same events, averaged",
        {"edges_gev", "max_n_track", "dressings"}},
       JetMassSumRatioMetric},
      {{"mmd",
        "unbiased MMD^2 with a Gaussian, Breit-Wigner or multi-scale kernel, bootstrap error; samples "
        "above max_samples are subsampled with the seed",
        {"columns", "kernel", "sigma", "max_samples", "bootstrap"}},
       MmdMetric},
      {{"frechet-distance", "Frechet distance of Gaussians fitted to both tables", {"columns"}},
       FrechetDistanceMetric},
      {{"fpd",
        "Frechet physics distance as JetNet defines it: intercept of FD(N) = a + b/N over 10 batch "
        "sizes, features scaled by the reference's max |x|; features=efp uses the d <= 4 EFPs of jet clouds",
        {"columns", "features", "min_samples", "max_samples"}},
       FpdMetric},
      {{"kpd",
        "kernel physics distance as JetNet defines it: unbiased MMD^2 with (x.y/d + 1)^4 over batches, "
        "median +- half the 16-84 percentile range; features=efp uses the d <= 4 EFPs of jet clouds",
        {"columns", "features", "batch_size", "num_batches"}},
       KpdMetric},
      {{"w1-efp",
        "JetNet's W1-EFP on jet-cloud tables: W1 of each n = 4, d = 4 energy-flow polynomial, "
        "mean over batches; value = the mean over the EFPs",
        {"num_eval_samples", "num_batches"}},
       W1EfpMetric},
  };
  return *entries;
}

}  // namespace

std::vector<MetricInfo> Metrics() {
  std::vector<MetricInfo> out;
  for (const Entry& e : Entries()) out.push_back(e.info);
  return out;
}

absl::StatusOr<MetricOutcome> ComputeMetric(const std::string& name,
                                            const std::map<std::string, std::string>& options,
                                            const Table& reference, const Table& candidate,
                                            uint64_t seed) {
  for (const Entry& e : Entries()) {
    if (e.info.name != name) continue;
    for (const auto& [key, value] : options) {
      if (std::find(e.info.options.begin(), e.info.options.end(), key) == e.info.options.end()) {
        return absl::InvalidArgumentError(absl::StrCat("metrics.options: '", key, "' is not an option of ",
                                                       name, "; allowed: ",
                                                       absl::StrJoin(e.info.options, ", ")));
      }
    }
    return e.compute(options, reference, candidate, seed);
  }
  std::vector<std::string> names;
  for (const Entry& e : Entries()) names.push_back(e.info.name);
  return absl::InvalidArgumentError(absl::StrCat("metrics.name: unknown metric '", EchoValue(name),
                                                 "'; allowed: ", absl::StrJoin(names, ", ")));
}

}  // namespace evgen
