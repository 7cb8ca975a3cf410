#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/metrics/histogram.h"
#include "core/metrics/metric_adapters.h"
#include "core/metrics/one_dim.h"
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

absl::StatusOr<MetricOutcome> Wasserstein1Metric(const MetricOptions& options, const Table& reference,
                                                 const Table& candidate, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<ColumnComparison> rows, Compare(options, reference, candidate));
  MetricOutcome out;
  out.name = "wasserstein-1";
  for (const ColumnComparison& c : rows) {
    out.details["columns"][c.column] = c.wasserstein1;
    out.value += c.wasserstein1 / rows.size();
  }
  return out;
}

absl::StatusOr<MetricOutcome> KsMetric(const MetricOptions& options, const Table& reference,
                                       const Table& candidate, uint64_t) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<ColumnComparison> rows, Compare(options, reference, candidate));
  MetricOutcome out;
  out.name = "ks";
  for (const ColumnComparison& c : rows) {
    out.details["columns"][c.column] = {{"statistic", c.ks.statistic}, {"p_value", c.ks.p_value}};
    out.value = std::max(out.value, c.ks.statistic);
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

}  // namespace evgen
