#include "core/metrics/mmd.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"

// Bootstrap note: a resample with replacement repeats rows, and a repeated
// row paired with its copy counts as an off-diagonal pair, so the resampled
// estimates sit slightly above the original (by ~ (k(x,x) - E k) / n). Only
// their spread is reported, which that shift does not change to first order.

namespace evgen {
namespace {

// Labels that keep the random streams of the cap and the bootstrap apart.
constexpr uint64_t kSubsampleLabel = 0x5ab5;
constexpr uint64_t kBootstrapLabel = 0xb007;

torch::Tensor ToTensor(const FeatureMatrix& m) {
  return torch::from_blob(const_cast<double*>(m.values.data()), {m.rows, m.cols},
                          torch::kFloat64)
      .clone();
}

// IntegerPower raises t to `degree` >= 1 by squaring: torch's pow with a
// double exponent goes through std::pow and is several times slower.
torch::Tensor IntegerPower(const torch::Tensor& t, int degree) {
  torch::Tensor result;
  torch::Tensor base = t;
  for (int e = degree; e > 0; e >>= 1) {
    if (e & 1) result = result.defined() ? result * base : base;
    if (e > 1) base = base * base;
  }
  return result;
}

// KernelBlock returns k(a_i, b_j) for a chunk of rows a and all rows b.
torch::Tensor KernelBlock(const torch::Tensor& a, const torch::Tensor& b,
                          const torch::Tensor& a_sq, const torch::Tensor& b_sq,
                          const MmdConfig& config) {
  const torch::Tensor dot = torch::mm(a, b.t());
  if (config.kernel == MmdKernel::kPolynomial) {
    return IntegerPower(dot / static_cast<double>(a.size(1)) + 1.0, config.degree);
  }
  const torch::Tensor d2 = (a_sq.unsqueeze(1) + b_sq.unsqueeze(0) - 2.0 * dot).clamp_min(0.0);
  switch (config.kernel) {
    case MmdKernel::kGaussian:
      return torch::exp(d2 * (-0.5 / (config.sigma * config.sigma)));
    case MmdKernel::kBreitWigner: {
      const double s2 = config.sigma * config.sigma;
      return s2 / (d2 + s2);
    }
    case MmdKernel::kMultiScaleGaussian: {
      torch::Tensor k = torch::zeros_like(d2);
      for (double s : config.sigmas) k += torch::exp(d2 * (-0.5 / (s * s)));
      return k;
    }
    case MmdKernel::kPolynomial:
      break;
  }
  return dot;  // unreachable
}

// KernelDiagonal returns k(a_i, a_i).
torch::Tensor KernelDiagonal(const torch::Tensor& a, const torch::Tensor& a_sq,
                             const MmdConfig& config) {
  switch (config.kernel) {
    case MmdKernel::kGaussian:
    case MmdKernel::kBreitWigner:
      return torch::ones_like(a_sq);
    case MmdKernel::kMultiScaleGaussian:
      return torch::full_like(a_sq, static_cast<double>(config.sigmas.size()));
    case MmdKernel::kPolynomial:
      return IntegerPower(a_sq / static_cast<double>(a.size(1)) + 1.0, config.degree);
  }
  return a_sq;  // unreachable
}

// WeightedKernelSum returns sum_ij wa_i wb_j k(a_i, b_j), chunked over a.
double WeightedKernelSum(const torch::Tensor& a, const torch::Tensor& wa, const torch::Tensor& b,
                         const torch::Tensor& wb, const MmdConfig& config) {
  const torch::Tensor a_sq = (a * a).sum(1);
  const torch::Tensor b_sq = (b * b).sum(1);
  const int64_t chunk = std::max<int64_t>(1, config.chunk_rows);
  double total = 0;
  for (int64_t begin = 0; begin < a.size(0); begin += chunk) {
    if (StopRequested()) break;  // the server discards the partial sum
    const int64_t end = std::min(a.size(0), begin + chunk);
    const torch::Tensor k =
        KernelBlock(a.slice(0, begin, end), b, a_sq.slice(0, begin, end), b_sq, config);
    total += torch::dot(wa.slice(0, begin, end), torch::mv(k, wb)).item<double>();
  }
  return total;
}

// SelfTerm returns sum_{i!=j} w_i w_j k(a_i, a_j) / ((sum w)^2 - sum w^2).
double SelfTerm(const torch::Tensor& a, const torch::Tensor& w, const MmdConfig& config) {
  const double full = WeightedKernelSum(a, w, a, w, config);
  const torch::Tensor a_sq = (a * a).sum(1);
  const double diagonal = torch::dot(w * w, KernelDiagonal(a, a_sq, config)).item<double>();
  const double sum_w = w.sum().item<double>();
  const double sum_w2 = (w * w).sum().item<double>();
  return (full - diagonal) / (sum_w * sum_w - sum_w2);
}

double Mmd2OfTensors(const torch::Tensor& x, const torch::Tensor& wx, const torch::Tensor& y,
                     const torch::Tensor& wy, const MmdConfig& config) {
  const double cross = WeightedKernelSum(x, wx, y, wy, config) /
                       (wx.sum().item<double>() * wy.sum().item<double>());
  return SelfTerm(x, wx, config) + SelfTerm(y, wy, config) - 2.0 * cross;
}

absl::Status Validate(const FeatureMatrix& x, const FeatureMatrix& y, const MmdConfig& config) {
  if (x.cols != y.cols) {
    return absl::InvalidArgumentError(
        absl::StrCat("mmd: samples have ", x.cols, " and ", y.cols, " columns"));
  }
  if (x.cols < 1) return absl::InvalidArgumentError("mmd: samples have no columns");
  if (x.rows < 2 || y.rows < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("mmd: need at least 2 rows per sample, got ", x.rows, " and ", y.rows));
  }
  const auto bad_width = [](double s) { return !(s > 0) || !std::isfinite(s); };
  switch (config.kernel) {
    case MmdKernel::kGaussian:
    case MmdKernel::kBreitWigner:
      if (bad_width(config.sigma)) {
        return absl::InvalidArgumentError(
            absl::StrCat("mmd: sigma must be positive and finite, got ", config.sigma));
      }
      break;
    case MmdKernel::kMultiScaleGaussian:
      if (config.sigmas.empty()) return absl::InvalidArgumentError("mmd: sigmas is empty");
      for (double s : config.sigmas) {
        if (bad_width(s)) {
          return absl::InvalidArgumentError(
              absl::StrCat("mmd: every sigma must be positive and finite, got ", s));
        }
      }
      break;
    case MmdKernel::kPolynomial:
      if (config.degree < 1 || config.degree > 16) {
        return absl::InvalidArgumentError(
            absl::StrCat("mmd: degree must be in [1, 16], got ", config.degree));
      }
      break;
  }
  if (config.max_samples < 0 || config.max_samples == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("mmd: max_samples must be 0 (no cap) or >= 2, got ", config.max_samples));
  }
  if (config.bootstrap < 0 || config.bootstrap > 10000) {
    return absl::InvalidArgumentError(
        absl::StrCat("mmd: bootstrap must be in [0, 10000], got ", config.bootstrap));
  }
  return absl::OkStatus();
}

absl::StatusOr<torch::Tensor> Weights(const FeatureMatrix& m, const char* which,
                                      const MmdConfig& config) {
  if (!config.use_weights || m.weights.empty()) {
    return torch::ones({m.rows}, torch::kFloat64);
  }
  torch::Tensor w = torch::tensor(m.weights, torch::kFloat64);
  const double sum = w.sum().item<double>();
  const double sum2 = (w * w).sum().item<double>();
  if (!(sum * sum - sum2 > 0) || !(sum > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mmd: ", which, " sample weights need a positive sum and at least two non-zero entries"));
  }
  return w;
}

// SubsampleRows returns `count` distinct row indices of [0, rows) drawn by a
// partial Fisher-Yates shuffle, in increasing order.
std::vector<int64_t> SubsampleRows(int64_t rows, int64_t count, uint64_t seed, uint64_t stream) {
  std::vector<int64_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  CounterRng rng(seed, stream);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t j =
        i + std::min<int64_t>(rows - i - 1, static_cast<int64_t>(rng.Uniform() * (rows - i)));
    std::swap(order[i], order[j]);
  }
  order.resize(count);
  std::sort(order.begin(), order.end());
  return order;
}

torch::Tensor IndexTensor(const std::vector<int64_t>& rows) {
  return torch::tensor(rows, torch::kInt64);
}

// ResampleRows draws `count` row indices of [0, rows) with replacement.
torch::Tensor ResampleRows(int64_t rows, int64_t count, uint64_t seed, uint64_t stream) {
  CounterRng rng(seed, stream);
  std::vector<int64_t> out(count);
  for (int64_t& r : out) {
    r = std::min<int64_t>(rows - 1, static_cast<int64_t>(rng.Uniform() * rows));
  }
  return IndexTensor(out);
}

}  // namespace

absl::StatusOr<FeatureMatrix> MakeFeatureMatrix(int64_t rows, int cols, std::vector<double> values,
                                                std::vector<double> weights) {
  if (rows < 0 || cols < 0 || static_cast<int64_t>(values.size()) != rows * cols) {
    return absl::InvalidArgumentError(absl::StrCat("feature matrix: ", values.size(),
                                                   " values do not fill ", rows, " x ", cols));
  }
  if (!weights.empty() && static_cast<int64_t>(weights.size()) != rows) {
    return absl::InvalidArgumentError(
        absl::StrCat("feature matrix: ", weights.size(), " weights for ", rows, " rows"));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat("feature matrix: row ", i / cols,
                                                     " column ", i % cols, " is not finite"));
    }
  }
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature matrix: weight of row ", i, " is not finite"));
    }
  }
  FeatureMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.values = std::move(values);
  m.weights = std::move(weights);
  return m;
}

absl::StatusOr<FeatureMatrix> FeatureMatrixFromTable(const Table& table,
                                                     const std::vector<std::string>& columns) {
  std::vector<int> index;
  if (columns.empty()) {
    for (int c = 0; c < table.num_columns(); ++c) index.push_back(c);
  } else {
    for (const std::string& name : columns) {
      EVGEN_ASSIGN_OR_RETURN(const int c, table.ColumnIndex(name));
      index.push_back(c);
    }
  }
  const int64_t rows = table.num_rows();
  std::vector<double> values;
  values.reserve(rows * index.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int c : index) values.push_back(table.at(r, c));
  }
  std::vector<double> weights(table.weights().begin(), table.weights().end());
  return MakeFeatureMatrix(rows, static_cast<int>(index.size()), std::move(values),
                           std::move(weights));
}

absl::StatusOr<double> UnbiasedMmd2(const FeatureMatrix& x, const FeatureMatrix& y,
                                    const MmdConfig& config) {
  EVGEN_RETURN_IF_ERROR(Validate(x, y, config));
  EVGEN_ASSIGN_OR_RETURN(const torch::Tensor wx, Weights(x, "first", config));
  EVGEN_ASSIGN_OR_RETURN(const torch::Tensor wy, Weights(y, "second", config));
  torch::NoGradGuard no_grad;
  return Mmd2OfTensors(ToTensor(x), wx, ToTensor(y), wy, config);
}

absl::StatusOr<MmdResult> Mmd(const FeatureMatrix& x, const FeatureMatrix& y,
                              const MmdConfig& config) {
  EVGEN_RETURN_IF_ERROR(Validate(x, y, config));
  EVGEN_ASSIGN_OR_RETURN(torch::Tensor wx, Weights(x, "first", config));
  EVGEN_ASSIGN_OR_RETURN(torch::Tensor wy, Weights(y, "second", config));
  torch::NoGradGuard no_grad;
  torch::Tensor tx = ToTensor(x);
  torch::Tensor ty = ToTensor(y);
  MmdResult result;
  const auto cap = [&](torch::Tensor& t, torch::Tensor& w, uint64_t stream) {
    if (config.max_samples == 0 || t.size(0) <= config.max_samples) return;
    const torch::Tensor rows = IndexTensor(SubsampleRows(
        t.size(0), config.max_samples, DeriveSeed(config.seed, kSubsampleLabel), stream));
    t = t.index_select(0, rows);
    w = w.index_select(0, rows);
    result.subsampled = true;
  };
  cap(tx, wx, 0);
  cap(ty, wy, 1);
  if (result.subsampled) {
    result.warnings.push_back(absl::StrCat("mmd: samples of ", x.rows, " and ", y.rows,
                                           " rows subsampled to at most ", config.max_samples,
                                           " rows each"));
  }
  result.rows_x = tx.size(0);
  result.rows_y = ty.size(0);
  result.mmd2 = Mmd2OfTensors(tx, wx, ty, wy, config);
  if (config.bootstrap > 0) {
    const uint64_t seed = DeriveSeed(config.seed, kBootstrapLabel);
    double sum = 0;
    double sum2 = 0;
    for (int b = 0; b < config.bootstrap; ++b) {
      const torch::Tensor ix = ResampleRows(tx.size(0), tx.size(0), seed, 2 * b);
      const torch::Tensor iy = ResampleRows(ty.size(0), ty.size(0), seed, 2 * b + 1);
      const torch::Tensor bwx = wx.index_select(0, ix);
      const torch::Tensor bwy = wy.index_select(0, iy);
      const double value = Mmd2OfTensors(tx.index_select(0, ix), bwx, ty.index_select(0, iy),
                                         bwy, config);
      sum += value;
      sum2 += value * value;
    }
    const double mean = sum / config.bootstrap;
    result.error = config.bootstrap > 1
                       ? std::sqrt(std::max(0.0, (sum2 - config.bootstrap * mean * mean) /
                                                     (config.bootstrap - 1)))
                       : 0.0;
  }
  return result;
}

absl::StatusOr<MmdResult> Mmd(const Table& x, const Table& y,
                              const std::vector<std::string>& columns, const MmdConfig& config) {
  EVGEN_ASSIGN_OR_RETURN(const FeatureMatrix mx, FeatureMatrixFromTable(x, columns));
  EVGEN_ASSIGN_OR_RETURN(const FeatureMatrix my, FeatureMatrixFromTable(y, columns));
  return Mmd(mx, my, config);
}

}  // namespace evgen
