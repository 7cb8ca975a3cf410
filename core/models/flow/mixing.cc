#include "core/models/flow/mixing.h"

#include <ATen/CPUGeneratorImpl.h>

namespace evgen {

PermutationImpl::PermutationImpl(int64_t dims, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const torch::Tensor order = torch::randperm(dims, gen, torch::kLong);
  order_ = register_buffer("order", order);
  inverse_order_ = register_buffer("inverse_order", torch::argsort(order));
}

std::pair<torch::Tensor, torch::Tensor> PermutationImpl::Forward(const torch::Tensor& x, const torch::Tensor&) {
  return {x.index_select(1, order_), torch::zeros({x.size(0)}, x.options())};
}

torch::Tensor PermutationImpl::Inverse(const torch::Tensor& y, const torch::Tensor&) {
  return y.index_select(1, inverse_order_);
}

RotationImpl::RotationImpl(int64_t dims, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  // QR of a Gaussian matrix in double precision, with the signs of R's
  // diagonal moved into Q, is a Haar-random rotation; float32 rounding of
  // an orthogonal double matrix leaves |det| = 1 to ~1e-7.
  const torch::Tensor a = torch::randn({dims, dims}, gen, torch::kFloat64);
  const auto [q, r] = torch::linalg_qr(a);
  const torch::Tensor signs = torch::sign(r.diagonal()).where(r.diagonal() != 0, torch::ones({dims}, torch::kFloat64));
  q_ = register_buffer("q", (q * signs.unsqueeze(0)).to(torch::kFloat32));
}

std::pair<torch::Tensor, torch::Tensor> RotationImpl::Forward(const torch::Tensor& x, const torch::Tensor&) {
  return {x.matmul(q_), torch::zeros({x.size(0)}, x.options())};
}

torch::Tensor RotationImpl::Inverse(const torch::Tensor& y, const torch::Tensor&) { return y.matmul(q_.t()); }

}  // namespace evgen
