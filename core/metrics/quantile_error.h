// quantile_error.h: the quantile error of a 1-D sample (Butter, Diefenbacher,
// Kasieczka, Nachman, Plehn, "GANplifying event samples", arXiv:2008.06545),
// and the number of truth events a sample is worth by that measure: the
// amplification of a generator trained on fewer events.
//
// Definitions, for N_q quantiles of the TRUE density:
// - The real line is cut at the true quantiles e_1 < ... < e_{N_q - 1}
//   (e_k has P(x <= e_k) = k / N_q), so each of the N_q bins holds
//   probability 1 / N_q. Here the true quantiles are those of a large
//   reference sample (QuantileEdges: linear interpolation between order
//   statistics at (n - 1) k / N_q, as numpy.quantile), so any column of any
//   simulator works. A bin is (e_{j-1}, e_j], the outer ones unbounded.
// - A sample of n events puts a fraction p_j in bin j. Its quantile error is
//     MSE = (1 / N_q) sum_j (p_j - 1 / N_q)^2.
// - A truth sample of n events has n p_j ~ Binomial(n, 1 / N_q), so
//   E[(p_j - 1/N_q)^2] = Var p_j = (1 / N_q)(1 - 1 / N_q) / n and
//     E[MSE] = (1 / N_q)(1 - 1 / N_q) / n                (ExpectedTruthMse).
//   n N_q^2 MSE is Pearson's X^2 of the N_q equal cells, whose variance for a
//   multinomial sample is 2 (N_q - 1)(1 - 1 / n): a single truth sample's MSE
//   scatters by sqrt(2 / (N_q - 1)) of its mean (32% for 20 quantiles).
// - The equivalent truth size of a sample with quantile error MSE is the n
//   whose expected truth MSE equals it: (1 / N_q)(1 - 1 / N_q) / MSE
//   (EquivalentTruthEvents). A generated sample is worth more than its
//   training sample when its MSE is below the training sample's.
// - Reference edges are themselves a sample's: to first order they add the
//   expected MSE of a truth sample of the reference's size to every MSE
//   measured with them (ReferenceFloor), so the reference must be far larger
//   than the equivalent sizes one wants to resolve (10^7 events resolve
//   10^6). A generated sample of N events cannot measure below
//   ExpectedTruthMse(N_q, N) either: its own statistics.
//
// Errors are InvalidArgument naming the option (metrics.options.quantiles,
// .columns): fewer reference rows than quantiles, a non-finite value in
// either table (dropping it would flatter a generator that emits NaN), an
// empty candidate. Cost: one sort of the reference column, one binary search
// per candidate value.
//
// Example: reference values 1..8 and N_q = 4 give edges (2.75, 4.5, 6.25); a
// candidate (1, 2, 3, 9) has fractions (1/2, 1/4, 0, 1/4), so
//   MSE = ((1/4)^2 + 0 + (1/4)^2 + 0) / 4 = 1/32, worth (1/4)(3/4) / (1/32) = 6 events.
//   const std::vector<double> edges = QuantileEdges(reference_values, 4).value();
//   EVGEN_ASSIGN_OR_RETURN(QuantileErrorResult r, QuantileError(edges, candidate_values));
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace evgen {

// QuantileEdges returns the N_q - 1 inner quantile edges of `reference`
// (`quantiles` = N_q in [2, 1000]). InvalidArgument for fewer finite values
// than quantiles or a non-finite value.
[[nodiscard]] absl::StatusOr<std::vector<double>> QuantileEdges(std::vector<double> reference, int quantiles);

struct QuantileErrorResult {
  std::vector<double> fractions;  // p_j, N_q of them
  int64_t rows = 0;               // n, the candidate's values
  double mse = 0;
  double equivalent_events = 0;   // infinite when mse is 0
  double expected_truth_mse = 0;  // of a truth sample of `rows` events
};

// QuantileError bins `candidate` at `edges` (increasing, N_q - 1 of them).
[[nodiscard]] absl::StatusOr<QuantileErrorResult> QuantileError(const std::vector<double>& edges,
                                                                const std::vector<double>& candidate);

// ExpectedTruthMse is (1 / N_q)(1 - 1 / N_q) / n; TruthMseStd its standard
// deviation sqrt(2 (N_q - 1)(1 - 1 / n)) / (n N_q^2).
double ExpectedTruthMse(int quantiles, double n);
double TruthMseStd(int quantiles, double n);

// EquivalentTruthEvents inverts ExpectedTruthMse: the truth-sample size whose
// expected quantile error is `mse` (infinite for 0).
double EquivalentTruthEvents(int quantiles, double mse);

// ReferenceFloor is the MSE that edges from a reference of `reference_rows`
// events add to any measurement, to first order: ExpectedTruthMse of it.
inline double ReferenceFloor(int quantiles, double reference_rows) {
  return ExpectedTruthMse(quantiles, reference_rows);
}

}  // namespace evgen
