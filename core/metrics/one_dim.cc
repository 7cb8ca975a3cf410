#include "core/metrics/one_dim.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/physics/constants.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using physics::kPi;

// Sample is one sorted, validated sample: values ascending, weights in the
// same order (empty when unweighted), and its weight sums.
struct Sample {
  std::vector<double> x;
  std::vector<double> w;
  double total = 0;   // sum w
  double total2 = 0;  // sum w^2

  double weight(size_t i) const { return w.empty() ? 1.0 : w[i]; }
  // EffectiveSize is Kish's (sum w)^2 / sum w^2, the count when unweighted.
  double EffectiveSize() const { return w.empty() ? static_cast<double>(x.size()) : total * total / total2; }
};

// MakeSample validates and sorts; `name` says which input it is in errors.
absl::StatusOr<Sample> MakeSample(std::vector<double> x, std::vector<double> w,
                                  const std::string& name) {
  if (x.empty()) return absl::InvalidArgumentError(absl::StrCat(name, " is empty"));
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": value ", i, " is ", x[i], "; values must be finite"));
    }
  }
  Sample s;
  if (w.empty()) {
    std::sort(x.begin(), x.end());
    s.total = s.total2 = static_cast<double>(x.size());
    s.x = std::move(x);
    return s;
  }
  if (w.size() != x.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", w.size(), " weights for ", x.size(), " values"));
  }
  for (size_t i = 0; i < w.size(); ++i) {
    if (!std::isfinite(w[i]) || w[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": weight ", i, " is ", w[i], "; weights must be finite and >= 0"));
    }
    s.total += w[i];
    s.total2 += w[i] * w[i];
  }
  if (!(s.total > 0)) return absl::InvalidArgumentError(absl::StrCat(name, ": weights sum to 0"));
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  s.x.resize(x.size());
  s.w.resize(x.size());
  for (size_t i = 0; i < order.size(); ++i) {
    s.x[i] = x[order[i]];
    s.w[i] = w[order[i]];
  }
  return s;
}

// ColumnSample reads one column of a table with its event weights.
absl::StatusOr<Sample> ColumnSample(const Table& table, const std::string& column,
                                    const char* which) {
  absl::StatusOr<int> c = table.ColumnIndex(column);
  if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat(which, " table: ", c.status().message()));
  std::vector<double> x(table.num_rows());
  for (int64_t r = 0; r < table.num_rows(); ++r) x[r] = table.at(r, *c);
  std::vector<double> w;
  if (table.has_weights()) w.assign(table.weights().begin(), table.weights().end());
  return MakeSample(std::move(x), std::move(w), absl::StrCat(which, " column ", column));
}

// WalkCdfs visits the merged distinct values of a and b in order and calls
// f(x, next_x, Fa, Fb) with both CDFs just after x (next_x is +inf at the
// end). Unweighted CDFs are count / n, as scipy computes them.
template <typename F>
void WalkCdfs(const Sample& a, const Sample& b, F f) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  size_t i = 0;
  size_t j = 0;
  double ca = 0;
  double cb = 0;
  while (i < a.x.size() || j < b.x.size()) {
    const double x = std::min(i < a.x.size() ? a.x[i] : kInf, j < b.x.size() ? b.x[j] : kInf);
    while (i < a.x.size() && a.x[i] == x) ca += a.weight(i++);
    while (j < b.x.size() && b.x[j] == x) cb += b.weight(j++);
    const double next = std::min(i < a.x.size() ? a.x[i] : kInf, j < b.x.size() ? b.x[j] : kInf);
    f(x, next, ca / a.total, cb / b.total);
  }
}

double W1(const Sample& a, const Sample& b) {
  double sum = 0;
  WalkCdfs(a, b, [&](double x, double next, double fa, double fb) {
    if (std::isfinite(next)) sum += std::fabs(fa - fb) * (next - x);
  });
  return sum;
}

KsResult Ks(const Sample& a, const Sample& b) {
  double d = 0;
  WalkCdfs(a, b, [&](double, double, double fa, double fb) { d = std::max(d, std::fabs(fa - fb)); });
  const double n1 = a.EffectiveSize();
  const double n2 = b.EffectiveSize();
  KsResult r;
  r.statistic = d;
  // scipy: en = m n / (m + n) with m >= n, rounded half to even.
  const double m = std::max(n1, n2);
  const double n = std::min(n1, n2);
  r.effective_n = std::max<int64_t>(1, static_cast<int64_t>(std::nearbyint(m * n / (m + n))));
  r.p_value = std::clamp(KolmogorovSurvival(r.effective_n, d), 0.0, 1.0);
  return r;
}

double Mean(const Sample& s) {
  double sum = 0;
  for (size_t i = 0; i < s.x.size(); ++i) sum += s.weight(i) * s.x[i];
  return sum / s.total;
}

// --- The Kolmogorov distribution, ported from scipy.stats._ksstats --------
// (Simard & L'Ecuyer 2011: each (n, x) region gets the algorithm that is
// accurate there). All return P(D_n <= x) unless named Survival.

constexpr double kTwo128 = 3.402823669209384634633746e38;  // 2^128
constexpr int kE128 = 128;

double LogFactorialOverPower(int64_t n) {  // log(n! / n^n), Stirling
  static constexpr std::array<double, 8> kCoeffs = {
      -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
      8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
      -2.7777777777777777778e-3, 8.3333333333333333333e-2};
  const double rn = 1.0 / static_cast<double>(n);
  const double y = rn / static_cast<double>(n);
  double poly = 0;
  for (double c : kCoeffs) poly = poly * y + c;
  return std::log(static_cast<double>(n)) / 2 - static_cast<double>(n) +
         std::log(2 * kPi) / 2 + rn * poly;
}

// SmirnovSurvival is P(D+_n > x), Birnbaum & Tingey's exact sum, in logs.
double SmirnovSurvival(int64_t n, double x) {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const double dn = static_cast<double>(n);
  const int64_t vmax = static_cast<int64_t>(std::floor(dn * (1 - x)));
  const double lg = std::lgamma(dn + 1);
  double sum = 0;
  for (int64_t v = 0; v <= vmax && v <= n; ++v) {
    const double evn = x + static_cast<double>(v) / dn;
    const double omevn = static_cast<double>(n - v) / dn - x;
    if (!(omevn > 0)) {
      if (v == n) sum += std::exp(lg - std::lgamma(dn + 1) + (v - 1) * std::log(evn));
      continue;
    }
    const double t = lg - std::lgamma(static_cast<double>(v) + 1) -
                     std::lgamma(static_cast<double>(n - v) + 1) +
                     static_cast<double>(v - 1) * std::log(evn) +
                     static_cast<double>(n - v) * std::log(omevn);
    if (t > -745) sum += std::exp(t);
  }
  return std::clamp(sum * x, 0.0, 1.0);
}

// DurbinMtw is Durbin's matrix algorithm as Marsaglia, Tsang & Wang (2003)
// implement it.
double DurbinMtw(int64_t n, double d) {
  if (d >= 1) return 1;
  const double nd = static_cast<double>(n) * d;
  if (nd <= 0.5) return 0;
  const int k = static_cast<int>(std::ceil(nd));
  const double h = k - nd;
  const int m = 2 * k - 1;
  std::vector<double> v(m), w(m);
  double fac = 1;
  for (int j = 1; j <= m; ++j) {
    v[j - 1] = 1 - std::pow(h, j);
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] *= fac;
  }
  const double tt = std::pow(std::max(2 * h - 1, 0.0), m) - 2 * std::pow(h, m);
  v[m - 1] = (1 + tt) * fac;
  using Matrix = std::vector<double>;
  Matrix H(static_cast<size_t>(m) * m, 0.0);
  auto at = [m](Matrix& a, int r, int c) -> double& { return a[static_cast<size_t>(r) * m + c]; };
  for (int i = 1; i < m; ++i) {
    for (int r = i - 1; r < m; ++r) at(H, r, i) = w[r - (i - 1)];
  }
  for (int r = 0; r < m; ++r) at(H, r, 0) = v[r];
  for (int c = 0; c < m; ++c) at(H, m - 1, c) = v[m - 1 - c];
  auto multiply = [m, &at](Matrix& a, Matrix& b) {
    Matrix c(static_cast<size_t>(m) * m, 0.0);
    for (int i = 0; i < m; ++i) {
      for (int l = 0; l < m; ++l) {
        const double ail = at(a, i, l);
        if (ail == 0) continue;
        for (int j = 0; j < m; ++j) at(c, i, j) += ail * at(b, l, j);
      }
    }
    return c;
  };
  Matrix power(static_cast<size_t>(m) * m, 0.0);
  for (int i = 0; i < m; ++i) at(power, i, i) = 1;
  int64_t nn = n;
  int64_t expnt = 0;
  int64_t h_expnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      power = multiply(power, H);
      expnt += h_expnt;
    }
    H = multiply(H, H);
    h_expnt *= 2;
    if (std::fabs(at(H, k - 1, k - 1)) > kTwo128) {
      for (double& e : H) e /= kTwo128;
      h_expnt += kE128;
    }
    nn /= 2;
  }
  double p = at(power, k - 1, k - 1);
  for (int64_t i = 1; i <= n; ++i) {
    p = static_cast<double>(i) * p / static_cast<double>(n);
    if (std::fabs(p) < 1 / kTwo128) {
      p *= kTwo128;
      expnt -= kE128;
    }
  }
  return std::clamp(std::ldexp(p, static_cast<int>(expnt)), 0.0, 1.0);
}

std::pair<int64_t, int64_t> PomeranzJ1J2(int64_t i, int64_t n, int64_t ll, int ceilf, int roundf) {
  int64_t j1, j2;
  if (i == 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const int64_t half = (i + 1) / 2;
    if ((i + 1) % 2 == 0) {
      if (half == n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return {std::max<int64_t>(j1 + 2, 0), std::min(j2, n)};
}

// Pomeranz is Pomeranz's (1974) recursion.
double Pomeranz(int64_t n, double x) {
  const double t = static_cast<double>(n) * x;
  const int64_t ll = static_cast<int64_t>(std::floor(t));
  const double f = t - static_cast<double>(ll);
  const double g = std::min(f, 1 - f);
  const int ceilf = f > 0 ? 1 : 0;
  const int roundf = f > 0.5 ? 1 : 0;
  const int64_t npwrs = 2 * (ll + 1);
  std::vector<double> gpower(npwrs), twogpower(npwrs), onem2gpower(npwrs);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1;
  const double dn = static_cast<double>(n);
  for (int64_t m = 1; m < npwrs; ++m) {
    gpower[m] = gpower[m - 1] * (g / dn) / m;
    twogpower[m] = twogpower[m - 1] * (2 * g / dn) / m;
    onem2gpower[m] = onem2gpower[m - 1] * ((1 - 2 * g) / dn) / m;
  }
  std::vector<double> V0(npwrs, 0.0), V1(npwrs, 0.0);
  V1[0] = 1;
  int64_t V0s = 0, V1s = 0;
  int64_t expnt = 0;
  auto [j1, j2] = PomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (int64_t i = 1; i <= 2 * n + 1; ++i) {
    const int64_t k1 = j1;
    std::swap(V0, V1);
    std::swap(V0s, V1s);
    std::fill(V1.begin(), V1.end(), 0.0);
    std::tie(j1, j2) = PomeranzJ1J2(i, n, ll, ceilf, roundf);
    const std::vector<double>& pwrs =
        (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 ? twogpower : onem2gpower);
    const int64_t ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const int64_t start = k1 - V0s;
      auto a = [&](int64_t idx) {
        const int64_t p = start + idx;
        return (idx < ln2 && p >= 0 && p < npwrs) ? V0[p] : 0.0;
      };
      const int64_t conv_start = j1 - k1;
      const int64_t conv_len = j2 - j1 + 1;
      double vmax = 0;
      for (int64_t o = 0; o < conv_len; ++o) {
        const int64_t idx = conv_start + o;
        double s = 0;
        for (int64_t q = std::max<int64_t>(0, idx - (ln2 - 1)); q <= idx && q < ln2; ++q) {
          const int64_t b = idx - q;
          if (b < npwrs) s += a(q) * pwrs[b];
        }
        if (o < npwrs) V1[o] = s;
        vmax = std::max(vmax, s);
      }
      if (vmax > 0 && vmax < 1 / kTwo128) {
        for (double& e : V1) e *= kTwo128;
        expnt -= kE128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  double ans = V1[n - V1s];
  for (int64_t m = 1; m <= n; ++m) {
    if (std::fabs(ans) > kTwo128) {
      ans /= kTwo128;
      expnt += kE128;
    }
    ans *= static_cast<double>(m);
  }
  return std::clamp(std::ldexp(ans, static_cast<int>(expnt)), 0.0, 1.0);
}

// PelzGood is the Pelz-Good (1976) asymptotic series.
double PelzGood(int64_t n, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double pi2 = kPi * kPi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
  const double z = std::sqrt(static_cast<double>(n)) * x;
  const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
  const double qlog = -pi2 / 8 / z2;
  if (qlog < -708) return 0;
  double q = std::exp(qlog);
  const double k1a = -z2, k1b = pi2 / 4;
  const double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4,
               k2c = pi4 * (1 - 2 * z2) / 16;
  const double k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16,
               k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * z4 * z4;
  std::array<double, 4> K = {0, 0, 0, 0};
  const int maxk = static_cast<int>(std::ceil(16 * z / kPi));
  for (int k = maxk; k >= 1; --k) {
    const double m = 2.0 * k - 1, m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
    const double qpower = std::pow(q, 8.0 * k);
    const std::array<double, 4> c = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                                     k3a + k3b * m2 + k3c * m4 + k3d * m6};
    for (int i = 0; i < 4; ++i) K[i] = K[i] * qpower + c[i];
  }
  const double sqrt2pi = std::sqrt(2 * kPi);
  const std::array<double, 4> div = {z, 6 * z4, 72 * z6 * z, 6480 * z6 * z4};
  for (int i = 0; i < 4; ++i) K[i] = K[i] * q * sqrt2pi / div[i];
  q = std::exp(-pi2 / 2 / z2);
  double k2extra = 0, k3extra = 0;
  const double sqrt3z = std::sqrt(3.0) * z;
  for (int k = maxk; k >= 1; --k) {
    const double k2 = static_cast<double>(k) * k;
    const double qp = std::pow(q, k2);
    const double kpi = kPi * k;
    k2extra += k2 * qp;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
  }
  K[2] += k2extra * pi2 * sqrt2pi / (-36 * z3);
  K[3] += k3extra * pi2 * sqrt2pi / (216 * z6);
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += K[i] / std::pow(static_cast<double>(n), i / 2.0);
  return sum;
}

}  // namespace

double KolmogorovSurvival(int64_t n, double x) {
  if (n <= 0 || std::isnan(x)) return kNaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const double dn = static_cast<double>(n);
  const double t = dn * x;
  auto sf = [](double cdf) { return std::clamp(1 - cdf, 0.0, 1.0); };
  if (t <= 1) {  // Ruben-Gambino: 1/2n <= x <= 1/n
    if (t <= 0.5) return 1;
    double prob;
    if (n <= 140) {
      prob = 1;
      for (int64_t i = 1; i <= n; ++i) prob *= static_cast<double>(i) * (1.0 / dn) * (2 * t - 1);
    } else {
      prob = std::exp(LogFactorialOverPower(n) + dn * std::log(2 * t - 1));
    }
    return sf(prob);
  }
  if (t >= dn - 1) return std::clamp(2 * std::pow(1 - x, dn), 0.0, 1.0);
  if (x >= 0.5) return std::clamp(2 * SmirnovSurvival(n, x), 0.0, 1.0);
  const double nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return sf(DurbinMtw(n, x));
    if (nx2 <= 4) return sf(Pomeranz(n, x));
    return std::clamp(2 * SmirnovSurvival(n, x), 0.0, 1.0);
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return std::clamp(2 * SmirnovSurvival(n, x), 0.0, 1.0);
  if (n <= 100000 && dn * std::pow(x, 1.5) <= 1.4) return sf(DurbinMtw(n, x));
  return sf(PelzGood(n, x));
}

absl::StatusOr<double> Wasserstein1(const std::vector<double>& u, const std::vector<double>& v,
                                    const std::vector<double>& u_weights,
                                    const std::vector<double>& v_weights) {
  EVGEN_ASSIGN_OR_RETURN(Sample a, MakeSample(u, u_weights, "wasserstein1: u"));
  EVGEN_ASSIGN_OR_RETURN(Sample b, MakeSample(v, v_weights, "wasserstein1: v"));
  return W1(a, b);
}

absl::StatusOr<KsResult> KolmogorovSmirnov(const std::vector<double>& u,
                                           const std::vector<double>& v,
                                           const std::vector<double>& u_weights,
                                           const std::vector<double>& v_weights) {
  EVGEN_ASSIGN_OR_RETURN(Sample a, MakeSample(u, u_weights, "ks: u"));
  EVGEN_ASSIGN_OR_RETURN(Sample b, MakeSample(v, v_weights, "ks: v"));
  return Ks(a, b);
}

absl::StatusOr<std::vector<ColumnComparison>> CompareColumns(
    const Table& reference, const Table& generated, const std::vector<std::string>& columns) {
  const std::vector<std::string>& names = columns.empty() ? reference.columns() : columns;
  if (names.empty()) return absl::InvalidArgumentError("compare columns: no columns to compare");
  std::vector<ColumnComparison> out;
  out.reserve(names.size());
  for (const std::string& name : names) {
    EVGEN_ASSIGN_OR_RETURN(Sample ref, ColumnSample(reference, name, "reference"));
    EVGEN_ASSIGN_OR_RETURN(Sample gen, ColumnSample(generated, name, "generated"));
    ColumnComparison c;
    c.column = name;
    c.wasserstein1 = W1(gen, ref);
    c.ks = Ks(gen, ref);
    c.reference_mean = Mean(ref);
    c.generated_mean = Mean(gen);
    c.relative_mean_difference = (c.generated_mean - c.reference_mean) / c.reference_mean;
    c.paper_relative_difference =
        std::fabs(c.reference_mean - c.generated_mean) / c.generated_mean;
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

// ReadColumns copies the named columns (all when empty) out as
// column-major doubles, rejecting missing columns and non-finite values.
absl::StatusOr<std::vector<std::vector<double>>> ReadColumns(const Table& table,
                                                             const std::vector<std::string>& names,
                                                             const char* what) {
  if (table.num_rows() == 0) return absl::InvalidArgumentError(absl::StrCat(what, ": the table is empty"));
  std::vector<std::vector<double>> cols;
  for (const std::string& name : names) {
    absl::StatusOr<int> c = table.ColumnIndex(name);
    if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", c.status().message()));
    std::vector<double> x(table.num_rows());
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      x[r] = table.at(r, *c);
      if (!std::isfinite(x[r])) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": column ", name, " is ", x[r], " in row ", r));
      }
    }
    cols.push_back(std::move(x));
  }
  return cols;
}

// WeightedRanks replaces x by its weighted mid-ranks.
void WeightedRanks(std::vector<double>& x, const Table& table) {
  std::vector<int64_t> order(x.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return x[a] < x[b]; });
  std::vector<double> rank(x.size());
  double below = 0;
  for (size_t a = 0; a < order.size();) {
    size_t b = a;
    double group = 0;
    while (b < order.size() && x[order[b]] == x[order[a]]) group += table.weight(order[b++]);
    for (size_t i = a; i < b; ++i) rank[order[i]] = below + group / 2;
    below += group;
    a = b;
  }
  x = std::move(rank);
}

CorrelationMatrix Pearson(const std::vector<std::vector<double>>& cols, const Table& table,
                          std::vector<std::string> names) {
  const size_t k = cols.size();
  const int64_t n = table.num_rows();
  double total = 0;
  for (int64_t r = 0; r < n; ++r) total += table.weight(r);
  std::vector<std::vector<double>> centred(k, std::vector<double>(n));
  for (size_t c = 0; c < k; ++c) {
    double mean = 0;
    for (int64_t r = 0; r < n; ++r) mean += table.weight(r) * cols[c][r];
    mean /= total;
    for (int64_t r = 0; r < n; ++r) centred[c][r] = cols[c][r] - mean;
  }
  std::vector<double> cov(k * k, 0.0);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = i; j < k; ++j) {
      double s = 0;
      const double* a = centred[i].data();
      const double* b = centred[j].data();
      if (table.has_weights()) {
        for (int64_t r = 0; r < n; ++r) s += table.weight(r) * a[r] * b[r];
      } else {
        for (int64_t r = 0; r < n; ++r) s += a[r] * b[r];
      }
      cov[i * k + j] = cov[j * k + i] = s;
    }
  }
  CorrelationMatrix m;
  m.columns = std::move(names);
  m.values.assign(k * k, kNaN);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) {
      const double d = std::sqrt(cov[i * k + i] * cov[j * k + j]);
      if (d > 0) m.values[i * k + j] = std::clamp(cov[i * k + j] / d, -1.0, 1.0);
    }
  }
  return m;
}

}  // namespace

absl::StatusOr<CorrelationMatrix> PearsonCorrelation(const Table& table,
                                                     const std::vector<std::string>& columns) {
  const std::vector<std::string>& names = columns.empty() ? table.columns() : columns;
  EVGEN_ASSIGN_OR_RETURN(auto cols, ReadColumns(table, names, "pearson"));
  return Pearson(cols, table, names);
}

absl::StatusOr<CorrelationMatrix> SpearmanCorrelation(const Table& table,
                                                      const std::vector<std::string>& columns) {
  const std::vector<std::string>& names = columns.empty() ? table.columns() : columns;
  EVGEN_ASSIGN_OR_RETURN(auto cols, ReadColumns(table, names, "spearman"));
  for (std::vector<double>& c : cols) WeightedRanks(c, table);
  return Pearson(cols, table, names);
}

absl::StatusOr<CorrelationDifference> DiffCorrelations(const CorrelationMatrix& generated,
                                                       const CorrelationMatrix& reference) {
  if (generated.columns != reference.columns) {
    return absl::InvalidArgumentError(
        "correlation difference: the matrices are over different columns");
  }
  CorrelationDifference d;
  d.difference.columns = generated.columns;
  d.difference.values.resize(generated.values.size());
  const int k = generated.size();
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) {
      const double diff = generated.at(i, j) - reference.at(i, j);
      d.difference.values[static_cast<size_t>(i) * k + j] = diff;
      if (!std::isnan(diff) && std::fabs(diff) > d.max_abs_difference) {
        d.max_abs_difference = std::fabs(diff);
        d.max_row = generated.columns[i];
        d.max_column = generated.columns[j];
      }
    }
  }
  return d;
}

}  // namespace evgen
