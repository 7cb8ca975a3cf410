#include "core/metrics/physics_checks.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <functional>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/physics/four_vector.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

absl::StatusOr<int> Column(const Table& table, const std::string& name, const char* what) {
  absl::StatusOr<int> i = table.ColumnIndex(name);
  if (!i.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", i.status().message()));
  return i;
}

// Quantile7 is numpy's default linear interpolation on sorted values.
double Quantile7(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// MomentumColumns holds, per prefix, the column indices of one component.
absl::StatusOr<std::vector<int>> PrefixColumns(const Table& table,
                                               const std::vector<std::string>& prefixes,
                                               const std::string& suffix, const char* what) {
  std::vector<int> columns;
  for (const std::string& prefix : prefixes) {
    EVGEN_ASSIGN_OR_RETURN(const int i, Column(table, prefix + suffix, what));
    columns.push_back(i);
  }
  return columns;
}

std::vector<double> TableWeights(const Table& table) {
  if (!table.has_weights()) return {};
  return std::vector<double>(table.weights().begin(), table.weights().end());
}

// ---- peak fit ----

// PeakModel evaluates -ln L of a binned sample for parameters
// (position, width[, background fraction]).
class PeakModel {
 public:
  PeakModel(const PeakFitConfig& config, std::vector<double> counts)
      : config_(config), counts_(std::move(counts)) {
    step_ = (config.upper_gev - config.lower_gev) / static_cast<double>(counts_.size());
    cdf_.resize(counts_.size() + 1);
  }

  int num_parameters() const { return config_.flat_background ? 3 : 2; }

  // Evaluate returns -sum n_i ln p_i, +inf where the parameters are invalid.
  // The background fraction is not bounded here (only p_i > 0 is required)
  // so the Hessian can be taken at a fraction of 0.
  double Evaluate(const std::vector<double>& p) {
    const double position = p[0], width = p[1];
    const double background = config_.flat_background ? p[2] : 0.0;
    if (!(width > 0) || !std::isfinite(position) || background >= 1) return kInf;
    const size_t n = counts_.size();
    for (size_t i = 0; i <= n; ++i) {
      const double edge = i == n ? config_.upper_gev : config_.lower_gev + step_ * static_cast<double>(i);
      cdf_[i] = Cdf(edge, position, width);
    }
    const double total = cdf_[n] - cdf_[0];
    if (!(total > 0)) return kInf;
    const double flat = 1.0 / static_cast<double>(n);
    double nll = 0;
    for (size_t i = 0; i < n; ++i) {
      const double prob = (1 - background) * (cdf_[i + 1] - cdf_[i]) / total + background * flat;
      if (counts_[i] == 0) continue;
      if (!(prob > 0)) return kInf;
      nll -= counts_[i] * std::log(prob);
    }
    return nll;
  }

 private:
  // Cdf is an antiderivative of the unnormalised shape. For the Gaussian the
  // upper tail uses erfc of the positive argument so far-tail bins do not
  // cancel to zero; the sign flip keeps it monotonic.
  double Cdf(double x, double position, double width) const {
    if (config_.shape == PeakShape::kBreitWigner) {
      return RelativisticBreitWignerIntegral(x, position, width) * position * width;
    }
    const double z = (x - position) / (width * std::sqrt(2.0));
    return z < 0 ? 0.5 * std::erfc(-z) : 1.0 - 0.5 * std::erfc(z);
  }

  const PeakFitConfig& config_;
  std::vector<double> counts_;
  double step_ = 0;
  std::vector<double> cdf_;
};

// NelderMead minimises f from x0 with initial steps `scale`; standard
// coefficients (1, 2, 0.5, 0.5).
std::vector<double> NelderMead(const std::function<double(const std::vector<double>&)>& f,
                               std::vector<double> x0, const std::vector<double>& scale,
                               int max_iterations) {
  const size_t d = x0.size();
  std::vector<std::vector<double>> simplex(d + 1, x0);
  for (size_t j = 0; j < d; ++j) simplex[j + 1][j] += scale[j];
  std::vector<double> values(d + 1);
  for (size_t j = 0; j <= d; ++j) values[j] = f(simplex[j]);
  std::vector<size_t> order(d + 1);
  for (int it = 0; it < max_iterations; ++it) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
    const size_t best = order.front(), worst = order.back(), second = order[d - 1];
    if (std::abs(values[worst] - values[best]) < 1e-11 * (1 + std::abs(values[best]))) {
      double size = 0;
      for (size_t j = 0; j < d; ++j) {
        size = std::max(size, std::abs(simplex[worst][j] - simplex[best][j]) / scale[j]);
      }
      if (size < 1e-7) break;
    }
    std::vector<double> centroid(d, 0.0);
    for (size_t k = 0; k < d; ++k) {
      for (size_t j = 0; j < d; ++j) centroid[j] += simplex[order[k]][j] / static_cast<double>(d);
    }
    const auto along = [&](double t) {
      std::vector<double> x(d);
      for (size_t j = 0; j < d; ++j) x[j] = centroid[j] + t * (simplex[worst][j] - centroid[j]);
      return x;
    };
    std::vector<double> reflected = along(-1.0);
    const double fr = f(reflected);
    if (fr < values[best]) {
      std::vector<double> expanded = along(-2.0);
      const double fe = f(expanded);
      if (fe < fr) {
        simplex[worst] = std::move(expanded);
        values[worst] = fe;
      } else {
        simplex[worst] = std::move(reflected);
        values[worst] = fr;
      }
    } else if (fr < values[second]) {
      simplex[worst] = std::move(reflected);
      values[worst] = fr;
    } else {
      std::vector<double> contracted = fr < values[worst] ? along(-0.5) : along(0.5);
      const double fc = f(contracted);
      if (fc < std::min(fr, values[worst])) {
        simplex[worst] = std::move(contracted);
        values[worst] = fc;
      } else {
        for (size_t k = 1; k <= d; ++k) {
          std::vector<double>& x = simplex[order[k]];
          for (size_t j = 0; j < d; ++j) x[j] = simplex[best][j] + 0.5 * (x[j] - simplex[best][j]);
          values[order[k]] = f(x);
        }
      }
    }
  }
  const size_t best = static_cast<size_t>(std::min_element(values.begin(), values.end()) - values.begin());
  return simplex[best];
}

// Matrix3 holds the (at most 3 x 3) Hessian and covariance of a peak fit.
using Matrix3 = std::array<std::array<double, 3>, 3>;

// InvertPositiveDefinite inverts the leading n x n block of a symmetric
// matrix by Cholesky; false when it is not positive definite.
bool InvertPositiveDefinite(const Matrix3& a, size_t n, Matrix3* inverse) {
  Matrix3 l{};
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double s = a[i][j];
      for (size_t k = 0; k < j; ++k) s -= l[i][k] * l[j][k];
      if (i == j) {
        if (!(s > 0)) return false;
        l[i][i] = std::sqrt(s);
      } else {
        l[i][j] = s / l[j][j];
      }
    }
  }
  *inverse = Matrix3{};
  for (size_t c = 0; c < n; ++c) {
    std::vector<double> y(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
      double s = i == c ? 1.0 : 0.0;
      for (size_t k = 0; k < i; ++k) s -= l[i][k] * y[k];
      y[i] = s / l[i][i];
    }
    for (size_t ii = n; ii-- > 0;) {
      double s = y[ii];
      for (size_t k = ii + 1; k < n; ++k) s -= l[k][ii] * (*inverse)[k][c];
      (*inverse)[ii][c] = s / l[ii][ii];
    }
  }
  return true;
}

// ---- jet mass sums ----

struct EventSum {
  double mass_sum = 0;
  double weight = 1;
  bool has_leading_jet = false;
  bool pass = true;
};

}  // namespace

absl::StatusOr<DistributionSummary> Summarize(const std::vector<double>& values,
                                              const std::vector<double>& weights,
                                              const std::vector<double>& quantile_levels) {
  if (values.empty()) return absl::InvalidArgumentError("summary: empty sample");
  if (!weights.empty() && weights.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("summary: ", weights.size(), " weights for ",
                                                   values.size(), " values"));
  }
  for (double q : quantile_levels) {
    if (!(q >= 0 && q <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat("summary: quantile level ", q, " not in [0, 1]"));
    }
  }
  DistributionSummary s;
  s.count = static_cast<int64_t>(values.size());
  s.quantile_levels = quantile_levels;
  if (weights.empty()) {
    const double n = static_cast<double>(values.size());
    s.mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
    double ss = 0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.std = values.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (double q : quantile_levels) s.quantiles.push_back(Quantile7(sorted, q));
    return s;
  }
  double w_sum = 0, wx = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    w_sum += weights[i];
    wx += weights[i] * values[i];
  }
  if (!(w_sum > 0)) return absl::InvalidArgumentError("summary: weights do not sum to a positive value");
  s.mean = wx / w_sum;
  double ss = 0;
  for (size_t i = 0; i < values.size(); ++i) ss += weights[i] * (values[i] - s.mean) * (values[i] - s.mean);
  s.std = std::sqrt(std::max(0.0, ss / w_sum));
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  for (double q : quantile_levels) {
    double cumulative = 0;
    double value = values[order.back()];
    for (size_t k : order) {
      cumulative += weights[k];
      if (cumulative >= q * w_sum) {
        value = values[k];
        break;
      }
    }
    s.quantiles.push_back(value);
  }
  return s;
}

absl::StatusOr<MomentumBalanceResult> MomentumBalance(const Table& table,
                                                      const std::vector<std::string>& prefixes,
                                                      const std::vector<double>& quantile_levels) {
  if (prefixes.empty()) return absl::InvalidArgumentError("momentum balance: no particle prefixes");
  if (table.num_rows() == 0) return absl::InvalidArgumentError("momentum balance: empty table");
  EVGEN_ASSIGN_OR_RETURN(const std::vector<int> px, PrefixColumns(table, prefixes, "_px_gev", "momentum balance"));
  EVGEN_ASSIGN_OR_RETURN(const std::vector<int> py, PrefixColumns(table, prefixes, "_py_gev", "momentum balance"));
  MomentumBalanceResult result;
  result.balance_x.reserve(table.num_rows());
  result.balance_y.reserve(table.num_rows());
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    double sx = 0, ax = 0, sy = 0, ay = 0;
    for (size_t k = 0; k < prefixes.size(); ++k) {
      const double x = table.at(r, px[k]), y = table.at(r, py[k]);
      if (!std::isfinite(x) || !std::isfinite(y)) {
        return absl::InvalidArgumentError(
            absl::StrCat("momentum balance: row ", r, " has a non-finite momentum of ", prefixes[k]));
      }
      sx += x;
      ax += std::abs(x);
      sy += y;
      ay += std::abs(y);
    }
    result.balance_x.push_back(ax > 0 ? sx / ax : 0.0);
    result.balance_y.push_back(ay > 0 ? sy / ay : 0.0);
  }
  const std::vector<double> weights = TableWeights(table);
  EVGEN_ASSIGN_OR_RETURN(result.x, Summarize(result.balance_x, weights, quantile_levels));
  EVGEN_ASSIGN_OR_RETURN(result.y, Summarize(result.balance_y, weights, quantile_levels));
  return result;
}

absl::StatusOr<std::vector<double>> GroupInvariantMass(const Table& table,
                                                       const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return absl::InvalidArgumentError("invariant mass: no particle prefixes");
  EVGEN_ASSIGN_OR_RETURN(const std::vector<int> e, PrefixColumns(table, prefixes, "_e_gev", "invariant mass"));
  EVGEN_ASSIGN_OR_RETURN(const std::vector<int> px, PrefixColumns(table, prefixes, "_px_gev", "invariant mass"));
  EVGEN_ASSIGN_OR_RETURN(const std::vector<int> py, PrefixColumns(table, prefixes, "_py_gev", "invariant mass"));
  EVGEN_ASSIGN_OR_RETURN(const std::vector<int> pz, PrefixColumns(table, prefixes, "_pz_gev", "invariant mass"));
  std::vector<double> masses;
  masses.reserve(table.num_rows());
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    FourVector sum;
    for (size_t k = 0; k < prefixes.size(); ++k) {
      sum += FourVector(table.at(r, e[k]), table.at(r, px[k]), table.at(r, py[k]), table.at(r, pz[k]));
    }
    masses.push_back(sum.Mass());
  }
  return masses;
}

double RelativisticBreitWignerIntegral(double m, double mass, double width) {
  // 1 / ((t^2 - c)(t^2 - conj c)) = Im(1 / (t^2 - c)) / Im(c), and
  // integral dt / (t^2 - r^2) = -atanh(t / r) / r. For t > 0, t / r lies in
  // the lower half plane, away from atanh's cuts on the real axis, so the
  // antiderivative is continuous on [0, inf) and vanishes at 0.
  const double b = mass * width;
  const std::complex<double> r = std::sqrt(std::complex<double>(mass * mass, b));
  return std::imag(-std::atanh(m / r) / r) / b;
}

absl::StatusOr<PeakFitResult> FitPeak(const std::vector<double>& values, const std::vector<double>& weights,
                                      const PeakFitConfig& config) {
  if (!weights.empty() && weights.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("peak fit: ", weights.size(), " weights for ",
                                                   values.size(), " values"));
  }
  if (config.bins < 5 || config.bins > 100000) {
    return absl::InvalidArgumentError(absl::StrCat("peak fit: bins = ", config.bins, " not in [5, 100000]"));
  }
  PeakFitConfig cfg = config;
  if (std::isnan(cfg.lower_gev) || std::isnan(cfg.upper_gev)) {
    std::vector<double> finite;
    for (double v : values) {
      if (std::isfinite(v)) finite.push_back(v);
    }
    if (finite.size() < 20) return absl::InvalidArgumentError("peak fit: fewer than 20 finite values");
    std::sort(finite.begin(), finite.end());
    const double median = Quantile7(finite, 0.5);
    const double iqr = Quantile7(finite, 0.75) - Quantile7(finite, 0.25);
    cfg.lower_gev = median - 5 * iqr;
    cfg.upper_gev = median + 5 * iqr;
    if (cfg.shape == PeakShape::kBreitWigner) cfg.lower_gev = std::max(cfg.lower_gev, 0.0);
  }
  if (!(cfg.lower_gev < cfg.upper_gev) || !std::isfinite(cfg.lower_gev) || !std::isfinite(cfg.upper_gev)) {
    return absl::InvalidArgumentError(
        absl::StrCat("peak fit: range [", cfg.lower_gev, ", ", cfg.upper_gev, "] is empty or not finite"));
  }
  if (cfg.shape == PeakShape::kBreitWigner && cfg.lower_gev < 0) {
    return absl::InvalidArgumentError("peak fit: the Breit-Wigner range must start at m >= 0");
  }

  // Histogram the sample and collect the in-range values for start values.
  const int n_bins = cfg.bins;
  const double step = (cfg.upper_gev - cfg.lower_gev) / n_bins;
  std::vector<double> counts(n_bins, 0.0);
  std::vector<double> in_range;
  double w_sum = 0, w2_sum = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!(v >= cfg.lower_gev && v < cfg.upper_gev)) continue;
    const double w = weights.empty() ? 1.0 : weights[i];
    const int b = std::min(n_bins - 1, static_cast<int>((v - cfg.lower_gev) / step));
    counts[b] += w;
    w_sum += w;
    w2_sum += w * w;
    in_range.push_back(v);
  }
  if (in_range.size() < 20 || !(w_sum > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("peak fit: ", in_range.size(), " entries in [",
                                                   cfg.lower_gev, ", ", cfg.upper_gev, "), need 20"));
  }
  std::sort(in_range.begin(), in_range.end());
  const double median = Quantile7(in_range, 0.5);
  const double iqr = std::max(Quantile7(in_range, 0.75) - Quantile7(in_range, 0.25), 2 * step);
  const double width0 = cfg.shape == PeakShape::kBreitWigner ? iqr : iqr / 1.349;

  PeakModel model(cfg, counts);
  const bool background = cfg.flat_background;
  const auto bounded = [&](const std::vector<double>& p) {
    if (background && (p[2] < 0 || p[2] >= 1)) return kInf;
    return model.Evaluate(p);
  };
  std::vector<double> x = {median, width0};
  std::vector<double> scale = {0.2 * width0, 0.2 * width0};
  if (background) {
    x.push_back(0.1);
    scale.push_back(0.05);
  }
  // Restarting from the best point refreshes a simplex that has collapsed
  // in one direction.
  for (int restart = 0; restart < 3; ++restart) {
    x = NelderMead(bounded, x, scale, 4000);
    for (size_t j = 0; j < 2; ++j) scale[j] = 0.05 * x[1];
  }

  PeakFitResult result;
  result.position = x[0];
  result.width = x[1];
  result.background_fraction = background ? x[2] : 0.0;
  result.lower_gev = cfg.lower_gev;
  result.upper_gev = cfg.upper_gev;
  result.entries_in_range = w_sum;
  const double nll = model.Evaluate(x);
  double saturated = 0;
  for (double c : counts) {
    if (c > 0) saturated -= c * std::log(c / w_sum);
  }
  result.negative_log_likelihood = nll - saturated;

  // Central-difference Hessian of -ln L.
  const size_t d = x.size();
  std::vector<double> h(d);
  for (size_t j = 0; j < d; ++j) h[j] = j < 2 ? 1e-3 * x[1] : 1e-3;
  Matrix3 hessian{};
  const auto at = [&](size_t i, double si, size_t j, double sj) {
    std::vector<double> p = x;
    p[i] += si * h[i];
    p[j] += sj * h[j];
    return model.Evaluate(p);
  };
  for (size_t i = 0; i < d; ++i) {
    hessian[i][i] = (at(i, 1, i, 0) - 2 * nll + at(i, -1, i, 0)) / (h[i] * h[i]);
    for (size_t j = 0; j < i; ++j) {
      hessian[i][j] = hessian[j][i] =
          (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h[i] * h[j]);
    }
  }
  Matrix3 covariance{};
  const double error_scale = std::sqrt(w2_sum / w_sum);
  if (InvertPositiveDefinite(hessian, d, &covariance)) {
    result.converged = true;
    result.position_error = std::sqrt(covariance[0][0]) * error_scale;
    result.width_error = std::sqrt(covariance[1][1]) * error_scale;
    if (background) result.background_fraction_error = std::sqrt(covariance[2][2]) * error_scale;
  } else {
    result.position_error = result.width_error = kNaN;
    if (background) result.background_fraction_error = kNaN;
  }
  return result;
}

absl::StatusOr<PeakFitResult> FitMassPeak(const Table& table, const std::vector<std::string>& prefixes,
                                          const PeakFitConfig& config) {
  EVGEN_ASSIGN_OR_RETURN(const std::vector<double> masses, GroupInvariantMass(table, prefixes));
  return FitPeak(masses, TableWeights(table), config);
}

absl::StatusOr<std::vector<double>> EventJetMassSums(const Table& jets, const JetMassSumConfig& config,
                                                     std::vector<double>* weights, int64_t* n_events,
                                                     int dressings) {
  if (config.leading_jets < 1) {
    return absl::InvalidArgumentError(absl::StrCat("jet mass sum: leading_jets = ", config.leading_jets, " < 1"));
  }
  if (dressings < 1 || jets.num_rows() % dressings != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("jet mass sum: dressings = ", dressings, " must be >= 1 and divide the table's ",
                     jets.num_rows(), " rows (sample K times the reference's rows for K dressings)"));
  }
  const int64_t block_rows = jets.num_rows() / dressings;
  const char* what = "jet mass sum";
  EVGEN_ASSIGN_OR_RETURN(const int event_col, Column(jets, config.event_column, what));
  EVGEN_ASSIGN_OR_RETURN(const int jet_col, Column(jets, config.jet_column, what));
  EVGEN_ASSIGN_OR_RETURN(const int mass_col, Column(jets, config.mass_column, what));
  EVGEN_ASSIGN_OR_RETURN(const int track_col, Column(jets, config.n_track_column, what));
  // One index per dressing: the same event id in two blocks is two events.
  std::vector<std::unordered_map<int64_t, size_t>> index(static_cast<size_t>(dressings));
  std::vector<EventSum> events;
  for (int64_t r = 0; r < jets.num_rows(); ++r) {
    const float event = jets.at(r, event_col), jet = jets.at(r, jet_col);
    const float mass = jets.at(r, mass_col), n_track = jets.at(r, track_col);
    if (!std::isfinite(event) || !std::isfinite(jet) || !std::isfinite(mass) || !std::isfinite(n_track)) {
      return absl::InvalidArgumentError(absl::StrCat("jet mass sum: row ", r, " has a non-finite value"));
    }
    // A dressing repeats the first block's rows in order; anything else is
    // not K dressings of the same events and would be averaged wrongly.
    if (r >= block_rows && event != jets.at(r % block_rows, event_col)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "jet mass sum: dressings = ", dressings, " but row ", r, " has event ", event, " where row ",
          r % block_rows, " of the first block has event ", jets.at(r % block_rows, event_col),
          ": the table is not ", dressings, " dressings of the same events in the same order"));
    }
    const auto [it, inserted] = index[static_cast<size_t>(r / block_rows)].emplace(std::llround(event), events.size());
    if (inserted) {
      events.emplace_back();
      events.back().weight = static_cast<double>(jets.weight(r)) / dressings;
    }
    EventSum& e = events[it->second];
    const int64_t j = std::llround(jet);
    if (j < 0 || j >= config.leading_jets) continue;
    e.has_leading_jet = true;
    e.mass_sum += mass;
    if (!(n_track < config.max_n_track)) e.pass = false;
  }
  // An event listing no jet below leading_jets has no sum and is not
  // selected (it still counts as an event).
  std::vector<double> sums;
  weights->clear();
  for (const EventSum& e : events) {
    if (!e.has_leading_jet || !e.pass) continue;
    sums.push_back(e.mass_sum);
    weights->push_back(e.weight);
  }
  *n_events = static_cast<int64_t>(events.size()) / dressings;
  return sums;
}

absl::StatusOr<JetMassSumResult> JetMassSumRatio(const Table& reference, const Table& generated,
                                                 const JetMassSumConfig& config) {
  const std::vector<double>& edges = config.bin_edges_gev;
  if (edges.size() < 2) return absl::InvalidArgumentError("jet mass sum: need at least 2 bin edges");
  for (size_t i = 0; i < edges.size(); ++i) {
    if (!std::isfinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1]))) {
      return absl::InvalidArgumentError("jet mass sum: bin edges must be finite and strictly increasing");
    }
  }
  const size_t n_bins = edges.size() - 1;
  JetMassSumResult result;
  result.bin_edges_gev = edges;
  const auto fill = [&](const Table& table, const char* which, int dressings, std::vector<double>* content,
                        std::vector<double>* error, int64_t* n_events, int64_t* n_selected,
                        double* outside) -> absl::Status {
    std::vector<double> weights;
    absl::StatusOr<std::vector<double>> sums = EventJetMassSums(table, config, &weights, n_events, dressings);
    if (!sums.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(sums.status().message(), " (", which, " table)"));
    }
    if (*n_events == 0) return absl::InvalidArgumentError(absl::StrCat("jet mass sum: empty ", which, " table"));
    *n_selected = static_cast<int64_t>(sums->size());
    content->assign(n_bins, 0.0);
    std::vector<double> w2(n_bins, 0.0);
    for (size_t i = 0; i < sums->size(); ++i) {
      const double m = (*sums)[i];
      const auto upper = std::upper_bound(edges.begin(), edges.end(), m);
      if (upper == edges.begin() || upper == edges.end()) {
        *outside += weights[i];
        continue;
      }
      const size_t b = static_cast<size_t>(upper - edges.begin()) - 1;
      (*content)[b] += weights[i];
      w2[b] += weights[i] * weights[i];
    }
    const double norm = config.normalize_per_event ? 1.0 / static_cast<double>(*n_events) : 1.0;
    error->resize(n_bins);
    for (size_t b = 0; b < n_bins; ++b) {
      (*content)[b] *= norm;
      (*error)[b] = std::sqrt(w2[b]) * norm;
    }
    if (config.normalize_per_event) *outside *= norm;
    return absl::OkStatus();
  };
  EVGEN_RETURN_IF_ERROR(fill(reference, "reference", 1, &result.reference, &result.reference_error,
                             &result.reference_events, &result.reference_selected, &result.reference_outside));
  EVGEN_RETURN_IF_ERROR(fill(generated, "generated", config.generated_dressings, &result.generated, &result.generated_error,
                             &result.generated_events, &result.generated_selected, &result.generated_outside));
  for (size_t b = 0; b < n_bins; ++b) {
    const double h = result.reference[b], g = result.generated[b];
    const double sh = result.reference_error[b], sg = result.generated_error[b];
    if (!(h > 0)) {
      result.ratio.push_back(kNaN);
      result.ratio_error.push_back(kNaN);
      result.non_closure.push_back(kNaN);
      result.symmetrized_error.push_back(kNaN);
      continue;
    }
    const double ratio = g / h;
    const double error = g > 0 ? ratio * std::hypot(sg / g, sh / h) : sg / h;
    result.ratio.push_back(ratio);
    result.ratio_error.push_back(error);
    result.non_closure.push_back(std::abs(ratio - 1));
    result.symmetrized_error.push_back(std::hypot(ratio - 1, error));
  }
  return result;
}

}  // namespace evgen
