// one_dim.h: per-feature (one-dimensional) comparisons of a generated sample
// with a reference, and the correlation matrices of the features.
//
// Definitions (w are event weights, 1 when a table has none):
// - Wasserstein-1: W1 = integral |F_gen(x) - F_ref(x)| dx over the merged
//   support, with F the weighted empirical CDFs. Exact, from the sorted
//   samples; equals scipy.stats.wasserstein_distance.
// - Kolmogorov-Smirnov: D = sup_x |F_gen(x) - F_ref(x)|, and the asymptotic
//   two-sided p-value exactly as scipy.stats.ks_2samp(method='asymp')
//   computes it: the survival function of the one-sample Kolmogorov
//   distribution of D_n (scipy's kstwo, Simard & L'Ecuyer 2011's choice of
//   algorithms) at n = round(n1 n2 / (n1 + n2)). Weighted samples use Kish's
//   effective sizes (sum w)^2 / sum w^2 for n1, n2.
// - Relative mean difference: (mean_gen - mean_ref) / mean_ref, signed, with
//   weighted means. Lebese, Ruan et al. (Table 1 of the multilepton GAN
//   paper) tabulate |mean_MC - mean_GAN| / mean_GAN instead, dividing by the
//   generated mean (e.g. m_ll: |89.262 - 85.795| / 85.795 = 0.040); that
//   number is given too as paper_relative_difference.
// - Pearson: weighted correlation coefficients. Spearman: Pearson of the
//   ranks, tied values sharing their average rank (weighted: the mid-point
//   of the tie group's cumulative weight), like scipy.stats.spearmanr.
//
// Every function rejects, with InvalidArgument naming the column or field,
// a missing column, an empty sample and NaN (or infinite) values. Cost is one
// sort per column and table: 10^6 events x 8 features take about a second.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(std::vector<ColumnComparison> rows,
//                          CompareColumns(reference, generated));
//   for (const ColumnComparison& c : rows) Print(c.column, c.wasserstein1, c.ks.p_value);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

// Wasserstein1 is the exact W1 between samples u and v with optional weights
// (one per value; empty means unit weights).
[[nodiscard]] absl::StatusOr<double> Wasserstein1(const std::vector<double>& u,
                                                  const std::vector<double>& v,
                                                  const std::vector<double>& u_weights = {},
                                                  const std::vector<double>& v_weights = {});

struct KsResult {
  double statistic = 0;     // D
  double p_value = 1;       // asymptotic two-sided p-value
  int64_t effective_n = 0;  // round(n1 n2 / (n1 + n2)), the n of the Kolmogorov distribution
};

// KolmogorovSmirnov is the two-sample KS test of u against v.
[[nodiscard]] absl::StatusOr<KsResult> KolmogorovSmirnov(const std::vector<double>& u,
                                                         const std::vector<double>& v,
                                                         const std::vector<double>& u_weights = {},
                                                         const std::vector<double>& v_weights = {});

// KolmogorovSurvival is P(D_n > d) for the two-sided one-sample statistic
// D_n (scipy.stats.kstwo.sf(d, n)). n >= 1.
double KolmogorovSurvival(int64_t n, double d);

// ColumnComparison holds every 1-D metric of one column.
struct ColumnComparison {
  std::string column;
  double wasserstein1 = 0;
  KsResult ks;
  double reference_mean = 0;
  double generated_mean = 0;
  double relative_mean_difference = 0;   // (gen - ref) / ref
  double paper_relative_difference = 0;  // |ref - gen| / gen, Table 1's number
};

// CompareColumns compares `columns` of generated against reference (all the
// reference's columns when empty), each table with its own event weights.
[[nodiscard]] absl::StatusOr<std::vector<ColumnComparison>> CompareColumns(
    const Table& reference, const Table& generated, const std::vector<std::string>& columns = {});

// CorrelationMatrix is a symmetric k x k matrix over named columns. An entry
// involving a constant column is NaN (its correlation is undefined).
struct CorrelationMatrix {
  std::vector<std::string> columns;
  std::vector<double> values;  // row-major k x k

  int size() const { return static_cast<int>(columns.size()); }
  double at(int i, int j) const { return values[static_cast<size_t>(i) * columns.size() + j]; }
};

// PearsonCorrelation and SpearmanCorrelation of `columns` of `table` (all
// columns when empty), with the table's event weights.
[[nodiscard]] absl::StatusOr<CorrelationMatrix> PearsonCorrelation(
    const Table& table, const std::vector<std::string>& columns = {});
[[nodiscard]] absl::StatusOr<CorrelationMatrix> SpearmanCorrelation(
    const Table& table, const std::vector<std::string>& columns = {});

// CorrelationDifference is generated - reference element-wise, and where the
// largest absolute difference sits (NaN entries skipped).
struct CorrelationDifference {
  CorrelationMatrix difference;
  double max_abs_difference = 0;
  std::string max_row;  // column names of the largest |difference|
  std::string max_column;
};

// DiffCorrelations subtracts reference from generated. InvalidArgument when
// their columns differ.
[[nodiscard]] absl::StatusOr<CorrelationDifference> DiffCorrelations(
    const CorrelationMatrix& generated, const CorrelationMatrix& reference);

}  // namespace evgen
