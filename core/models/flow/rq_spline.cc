#include "core/models/flow/rq_spline.h"

#include <cmath>

namespace evgen {
namespace {

namespace F = torch::nn::functional;

// Knots of one spline per element: positions [.., K + 1] of bin edges in x
// and y, and derivatives [.., K + 1] at them.
struct Knots {
  torch::Tensor x, y, d;
};

// Edges turns unconstrained sizes [.., K] into K + 1 edges from -B to B,
// each bin at least `min_size` of the range.
torch::Tensor Edges(const torch::Tensor& raw, double min_size, double bound) {
  const int64_t bins = raw.size(-1);
  const torch::Tensor sizes = min_size + (1 - min_size * bins) * torch::softmax(raw, -1);
  torch::Tensor edges = F::pad(torch::cumsum(sizes, -1), F::PadFuncOptions({1, 0}).value(0.0));
  edges = 2 * bound * edges - bound;
  // Pin the ends exactly, against the rounding of the cumulative sum.
  edges.select(-1, 0).fill_(-bound);
  edges.select(-1, bins).fill_(bound);
  return edges;
}

Knots MakeKnots(const torch::Tensor& params, const RqSplineOptions& o) {
  const int64_t k = o.bins;
  Knots knots;
  knots.x = Edges(params.slice(-1, 0, k), o.min_bin_width, o.tail_bound);
  knots.y = Edges(params.slice(-1, k, 2 * k), o.min_bin_height, o.tail_bound);
  // softplus(c) + min = 1 at the ends, so the spline meets the identity tails
  // with slope 1.
  const torch::Tensor inner = o.min_derivative + F::softplus(params.slice(-1, 2 * k, 3 * k - 1));
  knots.d = F::pad(inner, F::PadFuncOptions({1, 1}).value(1.0));
  return knots;
}

// Bin returns each element's bin index [.., 1] among `edges` [.., K + 1].
torch::Tensor Bin(const torch::Tensor& edges, const torch::Tensor& v) {
  const int64_t bins = edges.size(-1) - 1;
  return ((v.unsqueeze(-1) >= edges).sum(-1, /*keepdim=*/true) - 1).clamp(0, bins - 1);
}

// Gathered holds one bin's quantities for each element.
struct Gathered {
  torch::Tensor x0, w, y0, h, d0, d1, slope;
};

Gathered Gather(const Knots& knots, const torch::Tensor& bin) {
  auto at = [&bin](const torch::Tensor& t, int64_t offset) { return t.gather(-1, bin + offset).squeeze(-1); };
  Gathered g;
  g.x0 = at(knots.x, 0);
  g.w = at(knots.x, 1) - g.x0;
  g.y0 = at(knots.y, 0);
  g.h = at(knots.y, 1) - g.y0;
  g.d0 = at(knots.d, 0);
  g.d1 = at(knots.d, 1);
  g.slope = g.h / g.w;
  return g;
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> RqSplineForward(const torch::Tensor& x, const torch::Tensor& params,
                                                        const RqSplineOptions& o) {
  const double b = o.tail_bound;
  const torch::Tensor inside = (x >= -b) & (x <= b);
  // Clamped so that the unused spline branch of outside elements stays
  // finite (a NaN there would poison the gradients through where()).
  const torch::Tensor xc = x.clamp(-b, b);
  const Knots knots = MakeKnots(params, o);
  const Gathered g = Gather(knots, Bin(knots.x, xc));
  const torch::Tensor xi = ((xc - g.x0) / g.w).clamp(0, 1);
  const torch::Tensor xi1 = xi * (1 - xi);
  const torch::Tensor denominator = g.slope + (g.d0 + g.d1 - 2 * g.slope) * xi1;
  const torch::Tensor y = g.y0 + g.h * (g.slope * xi * xi + g.d0 * xi1) / denominator;
  const torch::Tensor derivative_numerator =
      g.slope * g.slope * (g.d1 * xi * xi + 2 * g.slope * xi1 + g.d0 * (1 - xi) * (1 - xi));
  const torch::Tensor log_det = torch::log(derivative_numerator) - 2 * torch::log(denominator);
  return {torch::where(inside, y, x), torch::where(inside, log_det, torch::zeros_like(log_det))};
}

torch::Tensor RqSplineInverse(const torch::Tensor& y, const torch::Tensor& params, const RqSplineOptions& o) {
  const double b = o.tail_bound;
  const torch::Tensor inside = (y >= -b) & (y <= b);
  const torch::Tensor yc = y.clamp(-b, b);
  const Knots knots = MakeKnots(params, o);
  const Gathered g = Gather(knots, Bin(knots.y, yc));
  const torch::Tensor dy = yc - g.y0;
  const torch::Tensor sum = g.d0 + g.d1 - 2 * g.slope;
  const torch::Tensor qa = g.h * (g.slope - g.d0) + dy * sum;
  const torch::Tensor qb = g.h * g.d0 - dy * sum;
  const torch::Tensor qc = -g.slope * dy;
  // The root in [0, 1] written as 2c / (-b - sqrt(b^2 - 4ac)), which stays
  // accurate where a is near 0 (a nearly linear bin).
  const torch::Tensor discriminant = (qb * qb - 4 * qa * qc).clamp_min(0);
  const torch::Tensor xi = (2 * qc / (-qb - torch::sqrt(discriminant))).clamp(0, 1);
  return torch::where(inside, xi * g.w + g.x0, y);
}

}  // namespace evgen
