#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/io/massless_sum.h"
#include "core/metrics/binned_mean.h"
#include "core/metrics/calibration.h"
#include "core/metrics/efp.h"
#include "core/metrics/histogram.h"
#include "core/metrics/metric_adapters.h"
#include "core/metrics/one_dim.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

std::vector<double> ColumnValues(const Table& table, const std::string& column) {
  const int c = *table.ColumnIndex(column);
  std::vector<double> out;
  out.reserve(table.num_rows());
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    if (std::isfinite(table.at(r, c))) out.push_back(table.at(r, c));
  }
  return out;
}

std::vector<double> Weights(const Table& table, const std::string& column) {
  if (!table.has_weights()) return {};
  const int c = *table.ColumnIndex(column);
  std::vector<double> out;
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    if (std::isfinite(table.at(r, c))) out.push_back(table.weight(r));
  }
  return out;
}

// CommonEdges spans the central 99% of both samples, so one far outlier does
// not squeeze every other bin into a corner of the plot.
absl::StatusOr<std::vector<double>> CommonEdges(std::vector<double> a, std::vector<double> b, int bins) {
  a.insert(a.end(), b.begin(), b.end());
  if (a.empty()) return absl::InvalidArgumentError("metrics: no finite values to bin");
  const size_t lo_k = static_cast<size_t>(0.005 * (a.size() - 1)), hi_k = static_cast<size_t>(0.995 * (a.size() - 1));
  std::nth_element(a.begin(), a.begin() + lo_k, a.end());
  const double lo = a[lo_k];
  std::nth_element(a.begin(), a.begin() + hi_k, a.end());
  double hi = a[hi_k];
  if (!(hi > lo)) hi = lo + 1;
  return FixedEdges(bins, lo, hi);
}

absl::StatusOr<nlohmann::json> HistogramPair(const Table& reference, const Table& candidate,
                                             const std::string& column, int bins, double* chi2_per_ndf) {
  const std::vector<double> ref = ColumnValues(reference, column), cand = ColumnValues(candidate, column);
  EVGEN_ASSIGN_OR_RETURN(std::vector<double> edges, CommonEdges(ref, cand, bins));
  EVGEN_ASSIGN_OR_RETURN(Histogram h_ref, FillHistogram(ref, edges, Weights(reference, column)));
  EVGEN_ASSIGN_OR_RETURN(Histogram h_cand, FillHistogram(cand, edges, Weights(candidate, column)));
  EVGEN_ASSIGN_OR_RETURN(HistogramRatio ratio, Ratio(h_cand, h_ref, /*normalize=*/true));
  EVGEN_ASSIGN_OR_RETURN(Chi2Result chi2, Chi2Test(h_ref, h_cand));
  if (chi2_per_ndf != nullptr) *chi2_per_ndf = chi2.chi2_per_ndf;
  // Densities: each histogram divided by its in-range weight and bin width.
  auto density = [&](const Histogram& h, std::vector<double>* values, std::vector<double>* errors) {
    const double total = std::max(h.InRange(), 1e-300);
    for (int i = 0; i < h.num_bins(); ++i) {
      const double width = edges[i + 1] - edges[i];
      values->push_back(h.sum_w[i] / total / width);
      errors->push_back(h.Error(i) / total / width);
    }
  };
  std::vector<double> ref_d, ref_e, cand_d, cand_e, r, r_e;
  density(h_ref, &ref_d, &ref_e);
  density(h_cand, &cand_d, &cand_e);
  for (size_t i = 0; i < ratio.ratio.size(); ++i) {
    r.push_back(ratio.valid[i] ? ratio.ratio[i] : std::nan(""));
    r_e.push_back(ratio.valid[i] ? ratio.error[i] : std::nan(""));
  }
  return nlohmann::json{{"name", column},          {"edges", edges},
                        {"reference", JsonNumbers(ref_d)}, {"reference_err", JsonNumbers(ref_e)},
                        {"candidate", JsonNumbers(cand_d)}, {"candidate_err", JsonNumbers(cand_e)},
                        {"ratio", JsonNumbers(r)},         {"ratio_err", JsonNumbers(r_e)},
                        {"chi2", chi2.chi2},           {"ndf", chi2.ndf}};
}

nlohmann::json MatrixJson(const CorrelationMatrix& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < m.size(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (int j = 0; j < m.size(); ++j) row.push_back(std::isfinite(m.at(i, j)) ? nlohmann::json(m.at(i, j)) : nullptr);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

absl::StatusOr<MetricOutcome> HistogramsMetric(const MetricOptions& options, const Table& reference,
                                               const Table& candidate, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> columns, SharedColumns(options, reference, candidate));
  EVGEN_ASSIGN_OR_RETURN(int bins, IntOption(options, "bins", 40, 2, 10000));
  MetricOutcome out;
  out.name = "histograms";
  double worst = 0;
  for (const std::string& c : columns) {
    double chi2_per_ndf = 0;
    EVGEN_ASSIGN_OR_RETURN(nlohmann::json feature, HistogramPair(reference, candidate, c, bins, &chi2_per_ndf));
    out.details["features"].push_back(feature);
    worst = std::max(worst, chi2_per_ndf);
  }
  out.value = worst;
  return out;
}

absl::StatusOr<MetricOutcome> Chi2Metric(const MetricOptions& options, const Table& reference,
                                         const Table& candidate, uint64_t seed) {
  EVGEN_ASSIGN_OR_RETURN(MetricOutcome out, HistogramsMetric(options, reference, candidate, seed));
  out.name = "chi2";
  nlohmann::json per_column = nlohmann::json::object();
  for (const nlohmann::json& f : out.details["features"]) {
    per_column[f["name"].get<std::string>()] = {{"chi2", f["chi2"]}, {"ndf", f["ndf"]}};
  }
  out.details = {{"columns", per_column}};
  return out;
}

namespace {

// WarnIfWeightsIgnored says so when a metric that draws or counts rows
// without weights is given weighted tables, rather than ignoring them silently.
void WarnIfWeightsIgnored(const Table& reference, const Table& candidate, const std::string& how,
                          MetricOutcome* out) {
  if (!reference.has_weights() && !candidate.has_weights()) return;
  out->warnings.push_back(absl::StrCat(out->name, ": event weights are ignored (", how, ")"));
}

}  // namespace

absl::StatusOr<MetricOutcome> CorrelationsMetric(const MetricOptions& options, const Table& reference,
                                                 const Table& candidate, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> columns, SharedColumns(options, reference, candidate));
  EVGEN_ASSIGN_OR_RETURN(CorrelationMatrix ref, PearsonCorrelation(reference, columns));
  EVGEN_ASSIGN_OR_RETURN(CorrelationMatrix cand, PearsonCorrelation(candidate, columns));
  EVGEN_ASSIGN_OR_RETURN(CorrelationDifference diff, DiffCorrelations(cand, ref));
  EVGEN_ASSIGN_OR_RETURN(CorrelationMatrix ref_s, SpearmanCorrelation(reference, columns));
  EVGEN_ASSIGN_OR_RETURN(CorrelationMatrix cand_s, SpearmanCorrelation(candidate, columns));
  EVGEN_ASSIGN_OR_RETURN(CorrelationDifference diff_s, DiffCorrelations(cand_s, ref_s));
  MetricOutcome out;
  out.name = "correlations";
  out.value = diff.max_abs_difference;
  WarnIfWeightsIgnored(reference, candidate, "unweighted Pearson and Spearman coefficients", &out);
  out.details = {{"columns", columns},
                 {"reference", MatrixJson(ref)},
                 {"candidate", MatrixJson(cand)},
                 {"max_abs_difference", diff.max_abs_difference},
                 {"max_at", {diff.max_row, diff.max_column}},
                 {"spearman_reference", MatrixJson(ref_s)},
                 {"spearman_candidate", MatrixJson(cand_s)},
                 {"spearman_max_abs_difference", diff_s.max_abs_difference}};
  return out;
}

namespace {

absl::StatusOr<std::vector<ColumnComparison>> Compare(const MetricOptions& options, const Table& reference,
                                                      const Table& candidate) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> columns, SharedColumns(options, reference, candidate));
  return CompareColumns(reference, candidate, columns);
}

}  // namespace

namespace {

// Resampled draws num_eval_samples values of `values` with replacement.
std::vector<double> Resampled(const std::vector<double>& values, int64_t num_eval_samples, uint64_t seed) {
  CounterRng rng(seed, 0);
  std::vector<double> out(num_eval_samples);
  for (double& v : out) v = values[static_cast<size_t>(rng.Uniform() * values.size())];
  return out;
}

// BatchedW1 is JetNet's batched W1 (as for w1m): W1 of num_eval_samples
// resampled rows from each sample, num_batches times; mean and std.
absl::StatusOr<std::pair<double, double>> BatchedW1(const std::vector<double>& ref, const std::vector<double>& cand,
                                                    int batches, int64_t samples, uint64_t seed) {
  double sum = 0, sum2 = 0;
  for (int b = 0; b < batches; ++b) {
    EVGEN_ASSIGN_OR_RETURN(double w, Wasserstein1(Resampled(ref, samples, DeriveSeed(seed, 2 * b)),
                                                  Resampled(cand, samples, DeriveSeed(seed, 2 * b + 1))));
    sum += w;
    sum2 += w * w;
  }
  const double mean = sum / batches;
  return std::make_pair(mean, std::sqrt(std::max(0.0, sum2 / batches - mean * mean)));
}

}  // namespace

namespace {

// CloudSums: where each jet of a jet-cloud table starts (its constituent 0)
// and, when the table has log_pt, eta_rel and phi_rel, the jet as its
// constituents make it (massless_sum.h).
struct CloudSums {
  std::vector<int64_t> starts;
  std::vector<float> pt, mass;  // empty without the constituent columns
};

absl::StatusOr<CloudSums> SumClouds(const Table& clouds, const char* which, const char* option) {
  absl::StatusOr<int> c = clouds.ColumnIndex("constituent");
  if (!c.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.", option, ": the ", which,
                                                   " table has no 'constituent' column (not a jet-cloud table)"));
  }
  CloudSums out;
  for (int64_t r = 0; r < clouds.num_rows(); ++r) {
    if (clouds.at(r, *c) == 0) out.starts.push_back(r);
  }
  if (!clouds.HasColumn("log_pt") || !clouds.HasColumn("eta_rel") || !clouds.HasColumn("phi_rel")) return out;
  const int log_pt = *clouds.ColumnIndex("log_pt"), eta = *clouds.ColumnIndex("eta_rel"),
            phi = *clouds.ColumnIndex("phi_rel");
  const size_t jets = out.starts.size();
  out.pt.resize(jets);
  out.mass.resize(jets);
  for (size_t j = 0; j < jets; ++j) {
    const int64_t end = j + 1 < jets ? out.starts[j + 1] : clouds.num_rows();
    MasslessSum sum;
    for (int64_t r = out.starts[j]; r < end; ++r) {
      sum.Add(std::exp(static_cast<double>(clouds.at(r, log_pt))), clouds.at(r, eta), clouds.at(r, phi));
    }
    out.pt[j] = static_cast<float>(sum.pt());
    out.mass[j] = static_cast<float>(sum.mass());
  }
  return out;
}

// WithRelativePt adds pt_rel to every constituent row: its pT over the pT of
// the jet its constituents make. This is JetNet's pt_rel for a generated
// jet, which has no other jet pT, and the same definition is applied to the
// reference so that both compare alike.
absl::StatusOr<Table> WithRelativePt(const Table& clouds, const char* which) {
  EVGEN_ASSIGN_OR_RETURN(CloudSums sums, SumClouds(clouds, which, "pt_rel"));
  if (sums.pt.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.pt_rel: the ", which,
                                                   " table needs log_pt, eta_rel and phi_rel"));
  }
  const int log_pt = *clouds.ColumnIndex("log_pt");
  std::vector<float> pt_rel(clouds.num_rows());
  for (size_t j = 0; j < sums.starts.size(); ++j) {
    const int64_t end = j + 1 < sums.starts.size() ? sums.starts[j + 1] : clouds.num_rows();
    for (int64_t r = sums.starts[j]; r < end; ++r) {
      pt_rel[r] = static_cast<float>(std::exp(static_cast<double>(clouds.at(r, log_pt))) / sums.pt[j]);
    }
  }
  Table out = clouds;
  EVGEN_RETURN_IF_ERROR(out.AppendColumn("pt_rel", pt_rel));
  return out;
}

}  // namespace

// JetRows keeps one row per jet of a jet-cloud table (its constituent 0), so
// jet-level columns count each jet once, not once per constituent. Tables
// with log_pt, eta_rel and phi_rel gain the jet as its constituents make it
// (massless_sum.h): cloud_pt_gev and cloud_mass_gev, which a generated jet
// has as well as a reference one (JetNet's W1M is the W1 of this mass).
absl::StatusOr<Table> JetRows(const Table& clouds, const char* which) {
  EVGEN_ASSIGN_OR_RETURN(CloudSums sums, SumClouds(clouds, which, "jet_level"));
  Table jets = clouds.SelectRows(sums.starts);
  if (sums.pt.empty()) return jets;
  for (const auto& [name, values] : {std::pair{"cloud_pt_gev", &sums.pt}, std::pair{"cloud_mass_gev", &sums.mass}}) {
    if (!jets.HasColumn(name)) EVGEN_RETURN_IF_ERROR(jets.AppendColumn(name, *values));
  }
  return jets;
}

absl::StatusOr<MetricInputs> JetLevelInputs(const MetricOptions& options, const Table& reference,
                                            const Table& candidate) {
  EVGEN_ASSIGN_OR_RETURN(int jet_level, IntOption(options, "jet_level", 0, 0, 1));
  MetricInputs inputs;
  inputs.reference_in = &reference;
  inputs.candidate_in = &candidate;
  if (jet_level == 1) {
    EVGEN_ASSIGN_OR_RETURN(inputs.reference_jets, JetRows(reference, "reference"));
    EVGEN_ASSIGN_OR_RETURN(inputs.candidate_jets, JetRows(candidate, "candidate"));
  }
  return inputs;
}

absl::StatusOr<MetricInputs> ConstituentInputs(const MetricOptions& options, const Table& reference,
                                               const Table& candidate) {
  EVGEN_ASSIGN_OR_RETURN(int pt_rel, IntOption(options, "pt_rel", 0, 0, 1));
  EVGEN_ASSIGN_OR_RETURN(int jet_level, IntOption(options, "jet_level", 0, 0, 1));
  if (pt_rel == 1 && jet_level == 1) {
    return absl::InvalidArgumentError(
        "metrics.options: pt_rel=1 adds a constituent column and jet_level=1 keeps one row per jet; "
        "give one of them");
  }
  if (pt_rel == 0) return JetLevelInputs(options, reference, candidate);
  MetricInputs inputs;
  inputs.reference_in = &reference;
  inputs.candidate_in = &candidate;
  EVGEN_ASSIGN_OR_RETURN(inputs.reference_jets, WithRelativePt(reference, "reference"));
  EVGEN_ASSIGN_OR_RETURN(inputs.candidate_jets, WithRelativePt(candidate, "candidate"));
  return inputs;
}

absl::StatusOr<MetricOutcome> Wasserstein1Metric(const MetricOptions& options, const Table& reference_in,
                                                 const Table& candidate_in, uint64_t seed) {
  EVGEN_ASSIGN_OR_RETURN(int batches, IntOption(options, "num_batches", 0, 0, 1000));
  EVGEN_ASSIGN_OR_RETURN(MetricInputs inputs, ConstituentInputs(options, reference_in, candidate_in));
  const Table& reference = inputs.reference();
  const Table& candidate = inputs.candidate();
  MetricOutcome out;
  out.name = "wasserstein-1";
  if (batches == 0) {
    EVGEN_ASSIGN_OR_RETURN(std::vector<ColumnComparison> rows, Compare(options, reference, candidate));
    for (const ColumnComparison& c : rows) {
      out.details["columns"][c.column] = c.wasserstein1;
      out.value += c.wasserstein1 / rows.size();
    }
    return out;
  }
  EVGEN_ASSIGN_OR_RETURN(int samples, IntOption(options, "num_eval_samples", 50000, 10, 10'000'000));
  EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> columns, SharedColumns(options, reference, candidate));
  double variance = 0;
  for (size_t k = 0; k < columns.size(); ++k) {
    const std::vector<double> ref = ColumnValues(reference, columns[k]), cand = ColumnValues(candidate, columns[k]);
    if (ref.empty() || cand.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("metrics: column '", columns[k], "' has no finite values"));
    }
    EVGEN_ASSIGN_OR_RETURN(auto mean_std, BatchedW1(ref, cand, batches, samples, DeriveSeed(seed, k)));
    out.details["columns"][columns[k]] = {{"mean", mean_std.first}, {"std", mean_std.second}};
    out.value += mean_std.first / columns.size();
    variance += mean_std.second * mean_std.second / (columns.size() * columns.size());
  }
  out.uncertainty = std::sqrt(variance);
  WarnIfWeightsIgnored(reference, candidate,
                       "batches draw rows uniformly; num_batches=0 compares the weighted distributions",
                       &out);
  if (std::min(reference.num_rows(), candidate.num_rows()) < 50000) {
    out.warnings.push_back("fewer than JetNet's recommended 50,000 rows in a sample");
  }
  return out;
}

// With features=efp, KS compares each of the 36 d <= 4 EFPs of the jets
// (or those `columns` picks) and names each one's graph: the breakdown
// behind classifier-auc's features=efp, which says that the substructure
// differs but not where. Each column also gives both means, since the
// statistic does not say which way the candidate is off.
absl::StatusOr<MetricOutcome> KsMetric(const MetricOptions& options, const Table& reference_in,
                                       const Table& candidate_in, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(const bool efp, EfpFeatures(options));
  MetricInputs inputs;
  inputs.reference_in = &reference_in;
  inputs.candidate_in = &candidate_in;
  if (efp) {
    EVGEN_ASSIGN_OR_RETURN(inputs, EfpInputs(options, reference_in, candidate_in));
  }
  const Table& reference = inputs.reference();
  const Table& candidate = inputs.candidate();
  const std::vector<std::string> efp_names = EfpColumnNames(EfpSet::kDUpTo4);
  std::vector<std::string> columns = efp_names;
  if (!efp || options.count("columns")) {
    EVGEN_ASSIGN_OR_RETURN(columns, SharedColumns(options, reference, candidate));
  }
  EVGEN_ASSIGN_OR_RETURN(std::vector<ColumnComparison> rows, CompareColumns(reference, candidate, columns));
  MetricOutcome out;
  out.name = "ks";
  for (const ColumnComparison& c : rows) {
    out.details["columns"][c.column] = {{"statistic", c.ks.statistic},
                                        {"p_value", c.ks.p_value},
                                        {"reference_mean", c.reference_mean},
                                        {"candidate_mean", c.generated_mean}};
    out.value = std::max(out.value, c.ks.statistic);
    const auto k = std::find(efp_names.begin(), efp_names.end(), c.column);
    if (efp && k != efp_names.end()) {
      const Multigraph& graph = EfpGraphs(EfpSet::kDUpTo4)[k - efp_names.begin()];
      out.details["graphs"][c.column] = EfpGraphText(graph);
      // A disconnected graph's EFP is the product of its components' EFPs,
      // so a reader ranking where the substructure differs skips it.
      out.details["connected"][c.column] = graph.IsConnected();
    }
  }
  return out;
}

absl::StatusOr<MetricOutcome> RelativeMeanDifferenceMetric(const MetricOptions& options, const Table& reference,
                                                           const Table& candidate, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<ColumnComparison> rows, Compare(options, reference, candidate));
  MetricOutcome out;
  out.name = "relative-mean-difference";
  for (const ColumnComparison& c : rows) {
    out.details["columns"][c.column] = {{"reference_mean", c.reference_mean},
                                        {"generated_mean", c.generated_mean},
                                        {"relative", c.relative_mean_difference},
                                        {"paper", c.paper_relative_difference}};
    if (std::isfinite(c.relative_mean_difference)) {
      out.value = std::max(out.value, std::abs(c.relative_mean_difference));
    }
  }
  return out;
}

namespace {

// BinnedMeanConfigFrom reads the binned-mean options; explicit edges replace
// the quantile bins, so asking for both is ambiguous and refused.
absl::StatusOr<BinnedMeanConfig> BinnedMeanConfigFrom(const MetricOptions& options) {
  BinnedMeanConfig config;
  if (auto it = options.find("value_column"); it != options.end()) config.value_column = it->second;
  if (auto it = options.find("by"); it != options.end()) config.by = it->second;
  EVGEN_ASSIGN_OR_RETURN(config.bins, IntOption(options, "bins", config.bins, 1, 100));
  if (options.count("edges") == 0) return config;
  if (options.count("bins") > 0) {
    return absl::InvalidArgumentError("metrics.options.edges: give either edges or bins, not both");
  }
  for (const std::string& e : ListOption(options, "edges", {})) {
    double v = 0;
    if (!absl::SimpleAtod(e, &v)) {
      return absl::InvalidArgumentError(absl::StrCat("metrics.options.edges: '", e, "' is not a number"));
    }
    config.edges.push_back(v);
  }
  // An empty list would silently fall back to quantile bins.
  if (config.edges.empty()) return absl::InvalidArgumentError("metrics.options.edges: need at least 2 edges");
  return config;
}

// OrNull writes NaN (an empty bin, a one-row error) as null: JSON has no NaN.
nlohmann::json OrNull(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

nlohmann::json BinJson(const BinnedMeanBin& b) {
  return {{"lower", b.lower},
          {"upper", b.upper},
          {"reference_rows", b.reference.rows},
          {"candidate_rows", b.candidate.rows},
          {"reference_mean", OrNull(b.reference.mean)},
          {"reference_mean_error", OrNull(b.reference.error)},
          {"candidate_mean", OrNull(b.candidate.mean)},
          {"candidate_mean_error", OrNull(b.candidate.error)},
          {"relative_difference", OrNull(b.relative_difference)}};
}

}  // namespace

absl::StatusOr<MetricOutcome> BinnedMeanMetric(const MetricOptions& options, const Table& reference,
                                               const Table& candidate, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(const BinnedMeanConfig config, BinnedMeanConfigFrom(options));
  EVGEN_ASSIGN_OR_RETURN(const BinnedMeanResult r, BinnedMean(reference, candidate, config));
  MetricOutcome out;
  out.name = "binned-mean";
  out.value = r.max_abs_relative_difference;
  if (std::isfinite(r.error)) out.uncertainty = r.error;
  nlohmann::json bins = nlohmann::json::array();
  for (const BinnedMeanBin& b : r.bins) {
    bins.push_back(BinJson(b));
    const char* empty = b.reference.rows == 0 ? "reference" : b.candidate.rows == 0 ? "candidate" : nullptr;
    if (empty != nullptr) {
      out.warnings.push_back(absl::StrCat("binned-mean: bin [", b.lower, ", ", b.upper, "] of ", config.by,
                                          " has no ", empty, " rows; it is left out of the value"));
    }
  }
  out.details = {{"value_column", config.value_column},
                 {"by", config.by},
                 {"bins", bins},
                 {"worst_bin", r.worst_bin},
                 {"reference_outside", r.reference_outside},
                 {"candidate_outside", r.candidate_outside}};
  return out;
}

}  // namespace evgen

namespace evgen {

absl::StatusOr<MetricOutcome> CalibrationMetric(const MetricOptions& options, const Table& reference,
                                                const Table& candidate, uint64_t) {
  CalibrationConfig config;
  config.columns = ListOption(options, "columns", {});
  EVGEN_ASSIGN_OR_RETURN(config.levels, IntOption(options, "levels", config.levels, 2, 100));
  EVGEN_ASSIGN_OR_RETURN(const CalibrationResult r, Calibration(reference, candidate, config));
  MetricOutcome out;
  out.name = "calibration";
  out.value = r.max_abs_deviation;
  out.uncertainty = r.error;
  nlohmann::json curves = nlohmann::json::array();
  for (const CalibrationCurve& c : r.curves) {
    curves.push_back({{"column", c.column},
                      {"nominal", c.nominal},
                      {"coverage", c.coverage},
                      {"error", c.error},
                      {"max_abs_deviation", c.max_abs_deviation},
                      {"worst_nominal", c.nominal[static_cast<size_t>(c.worst_level)]}});
  }
  out.details = {{"events", r.events},
                 {"samples_per_event", r.samples_per_event},
                 {"curves", curves},
                 {"worst_column", r.curves[static_cast<size_t>(r.worst_curve)].column}};
  if (reference.has_weights() || candidate.has_weights()) {
    out.warnings.push_back("calibration: event weights are not used (each event's posterior is judged alone)");
  }
  return out;
}

}  // namespace evgen
