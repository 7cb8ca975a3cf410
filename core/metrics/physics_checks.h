// physics_checks.h: physics-motivated fidelity checks on event tables.
//
// - MomentumBalance: per event, b_x = sum(p_x) / sum(|p_x|) (and b_y) over a
//   group of particles given by column prefixes (<prefix>_px_gev, ...). A
//   complete final state balances (b = 0); a generator that does not learn
//   momentum conservation spreads b over [-1, 1].
// - FitMassPeak / FitPeak: binned maximum-likelihood fit of a relativistic
//   Breit-Wigner or a Gaussian (plus an optional flat background) to the
//   invariant mass of a particle group, returning position, width and their
//   errors from the curvature of the log-likelihood.
// - JetMassSumRatio: the sum of the leading four jet masses with an N_track
//   cut, generated / reference per bin with statistical errors and the
//   symmetrised ratio error of Fig. 6 in Lin, Bhimji, Nachman 2019.
//
// Event weights (Table::weight) are used throughout when present.
//
// Example:
//   PeakFitConfig fit; fit.lower_gev = 150; fit.upper_gev = 200;
//   EVGEN_ASSIGN_OR_RETURN(PeakFitResult top, FitMassPeak(table, {"p4", "p5", "p6"}, fit));
//   // top.position +- top.position_error, top.width +- top.width_error
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

// DistributionSummary describes a 1-D sample. With event weights the mean and
// std are weighted (std uses the biased 1/sum(w) normalisation) and quantile
// q is the smallest value whose cumulative weight reaches q * sum(w); without
// weights std uses 1/(n - 1) and quantiles interpolate linearly between order
// statistics (numpy's default, "type 7").
struct DistributionSummary {
  int64_t count = 0;
  double mean = 0;
  double std = 0;
  std::vector<double> quantile_levels;
  std::vector<double> quantiles;  // one per level
};

// Summarize returns the summary of `values` (weights empty = unweighted).
// InvalidArgument for a weight count mismatch, a level outside [0, 1] or
// an empty sample.
[[nodiscard]] absl::StatusOr<DistributionSummary> Summarize(
    const std::vector<double>& values, const std::vector<double>& weights,
    const std::vector<double>& quantile_levels = {0.05, 0.16, 0.5, 0.84, 0.95});

struct MomentumBalanceResult {
  DistributionSummary x;  // of b_x over events
  DistributionSummary y;  // of b_y over events
  std::vector<double> balance_x;  // per event (row), in table order
  std::vector<double> balance_y;
};

// MomentumBalance computes b_x = sum_i p_x,i / sum_i |p_x,i| over the
// particles `prefixes` (columns <prefix>_px_gev and <prefix>_py_gev) for each
// row; an event whose sum(|p_x|) is 0 has b_x = 0. InvalidArgument for no
// prefixes, a missing column, an empty table or a non-finite momentum.
[[nodiscard]] absl::StatusOr<MomentumBalanceResult> MomentumBalance(
    const Table& table, const std::vector<std::string>& prefixes,
    const std::vector<double>& quantile_levels = {0.05, 0.16, 0.5, 0.84, 0.95});

// GroupInvariantMass returns, per row, the invariant mass in GeV of the sum
// of the four-vectors <prefix>_e_gev, _px_gev, _py_gev, _pz_gev over
// `prefixes` (negative for spacelike sums, see FourVector::Mass).
[[nodiscard]] absl::StatusOr<std::vector<double>> GroupInvariantMass(
    const Table& table, const std::vector<std::string>& prefixes);

enum class PeakShape {
  // f(m) ~ 1 / ((m^2 - M^2)^2 + M^2 Gamma^2), the relativistic Breit-Wigner
  // with constant width (ROOT's TMath::BreitWignerRelativistic); width = Gamma.
  kBreitWigner,
  // f(m) ~ exp(-(m - mu)^2 / (2 sigma^2)); width = sigma.
  kGaussian,
};

struct PeakFitConfig {
  PeakShape shape = PeakShape::kBreitWigner;
  bool flat_background = false;  // add a flat component with a free fraction
  // Fit range in GeV. When either is NaN the range is median -+ 5 * IQR of
  // the sample (clipped at 0 for the Breit-Wigner, which lives on m > 0).
  double lower_gev = std::numeric_limits<double>::quiet_NaN();
  double upper_gev = std::numeric_limits<double>::quiet_NaN();
  int bins = 200;  // in [5, 100000]
};

// PeakFitResult holds the fitted parameters. Errors are the square roots of
// the diagonal of the inverse Hessian of -ln L at the minimum, where L is the
// binned Poisson likelihood with the total normalisation free (which, being
// orthogonal to the shape parameters, equals the multinomial fit). With
// event weights the bin contents are sums of weights and the errors are
// scaled by sqrt(sum w^2 / sum w), exact for equal weights.
struct PeakFitResult {
  double position = 0;  // M (Breit-Wigner) or mu (Gaussian), GeV
  double position_error = 0;
  double width = 0;  // Gamma (Breit-Wigner) or sigma (Gaussian), GeV
  double width_error = 0;
  double background_fraction = 0;  // of the events in range; 0 without background
  double background_fraction_error = 0;
  double lower_gev = 0;  // the range fitted
  double upper_gev = 0;
  double entries_in_range = 0;  // sum of weights in range
  double negative_log_likelihood = 0;  // -ln L up to a constant (Poisson deviance / 2)
  bool converged = false;  // the minimum was found and the Hessian is positive definite
};

// FitPeak fits `values` (weights empty = unweighted). InvalidArgument for a
// bad configuration, fewer than 20 entries in range or a weight count
// mismatch.
[[nodiscard]] absl::StatusOr<PeakFitResult> FitPeak(const std::vector<double>& values,
                                                    const std::vector<double>& weights,
                                                    const PeakFitConfig& config = {});

// FitMassPeak fits the GroupInvariantMass of `prefixes`, with the table's
// event weights.
[[nodiscard]] absl::StatusOr<PeakFitResult> FitMassPeak(const Table& table,
                                                        const std::vector<std::string>& prefixes,
                                                        const PeakFitConfig& config = {});

// RelativisticBreitWignerIntegral returns the integral of
// 1 / ((t^2 - M^2)^2 + M^2 Gamma^2) dt from 0 to m (m >= 0), in closed form:
// with c = M^2 + i M Gamma and r = sqrt(c), it is
// Im(-atanh(m / r) / r) / (M Gamma). Differences of it give bin contents.
double RelativisticBreitWignerIntegral(double m, double mass, double width);

struct JetMassSumConfig {
  std::vector<double> bin_edges_gev;  // increasing, at least 2
  // Cut: an event is kept only when all of its leading jets have
  // n_track < max_n_track (+inf keeps every event).
  double max_n_track = std::numeric_limits<double>::infinity();
  int leading_jets = 4;  // jets with index 0 .. leading_jets - 1 enter the sum
  // When true each histogram is divided by its table's number of events
  // (before the cut), so tables of different sizes compare and a different
  // cut efficiency shows in the ratio; when false raw (weighted) counts.
  bool normalize_per_event = true;
  std::string event_column = "event";
  std::string jet_column = "jet";
  std::string mass_column = "mass_gev";
  std::string n_track_column = "n_track";
  // The generated table is this many consecutive equal blocks, each a
  // dressing of the same events (evgen sample K*N --conditions-from reuses
  // the N condition rows in turn). Each block's events count as events of
  // their own with weight 1/K, so the prediction is the mean over dressings
  // and its statistical error falls by sqrt(K); the reference's does not.
  int generated_dressings = 1;
};

// JetMassSumResult, per bin b with reference content h_b +- s_h and
// generated content g_b +- s_g (s^2 = sum of squared weights, scaled like the
// contents):
//   ratio_b            = g_b / h_b
//   ratio_error_b      = ratio_b * sqrt((s_g / g_b)^2 + (s_h / h_b)^2)
//                        (s_g / h_b when g_b = 0)
//   non_closure_b      = |ratio_b - 1|
//   symmetrized_error_b = sqrt(non_closure_b^2 + ratio_error_b^2)
// Fig. 6 of the templates paper draws the deviation from the ideal ratio 1
// "symmetrized by reflecting across the ideal ratio = 1, with statistical
// uncertainties included", and the text defines the uncertainty as "the sum
// in quadrature of the non-closure ... and the ... statistical uncertainty":
// the band is 1 -+ symmetrized_error_b. non_closure_b is the band without the
// statistical part. Bins with h_b = 0 have NaN ratio and errors.
struct JetMassSumResult {
  std::vector<double> bin_edges_gev;
  std::vector<double> reference;  // h_b
  std::vector<double> reference_error;
  std::vector<double> generated;  // g_b
  std::vector<double> generated_error;
  std::vector<double> ratio;
  std::vector<double> ratio_error;
  std::vector<double> non_closure;
  std::vector<double> symmetrized_error;
  int64_t reference_events = 0;  // distinct events in the table
  int64_t reference_selected = 0;  // events passing the N_track cut
  int64_t generated_events = 0;
  int64_t generated_selected = 0;  // over all dressings
  double reference_outside = 0;  // selected weight outside the bin range
  double generated_outside = 0;
};

// EventJetMassSums returns, for each event of a jet table (in order of first
// appearance) passing the cut, the sum of its leading jets' masses; `weights`
// receives each event's weight (that of its first row) and `n_events` the
// number of distinct events before the cut. With dressings K > 1 the rows
// are K equal blocks, each repeating the first block's event ids row by row
// (InvalidArgument otherwise), whose events are told apart by block; each
// event's weight is divided by K and `n_events` is per block.
[[nodiscard]] absl::StatusOr<std::vector<double>> EventJetMassSums(
    const Table& jets, const JetMassSumConfig& config, std::vector<double>* weights,
    int64_t* n_events, int dressings = 1);

// JetMassSumRatio compares the generated with the reference jet table.
// InvalidArgument for missing columns, bad edges, leading_jets < 1, or a
// non-finite value in a column read.
[[nodiscard]] absl::StatusOr<JetMassSumResult> JetMassSumRatio(const Table& reference,
                                                               const Table& generated,
                                                               const JetMassSumConfig& config);

}  // namespace evgen
