#include "core/models/nn/set_mask.h"

namespace evgen {

torch::Tensor SizeMask(const torch::Tensor& sizes, int64_t n) {
  const torch::Tensor positions = torch::arange(n, torch::TensorOptions().dtype(torch::kLong).device(sizes.device()));
  return positions.unsqueeze(0) < sizes.to(torch::kLong).unsqueeze(1);
}

torch::Tensor ZeroPadding(const torch::Tensor& x, const torch::Tensor& mask) {
  // where, not a product: 0 * NaN would keep the NaN.
  return torch::where(mask.unsqueeze(-1), x, torch::zeros({}, x.options()));
}

torch::Tensor MaskedMean(const torch::Tensor& x, const torch::Tensor& mask) {
  const torch::Tensor counts = mask.sum(1, /*keepdim=*/true).clamp_min(1).to(x.dtype());
  return ZeroPadding(x, mask).sum(1) / counts;
}

}  // namespace evgen
