// mab.h: Mab, the multi-head attention block of the Set Transformer (Lee et
// al. 2019), MAB(X, Y): the members of X attend to the members of Y.
//
//   Q = fc_q(X), K = fc_k(Y), V = fc_v(Y)         (each to width d)
//   H = LayerNorm(Q + MultiHead(Q, K, V))         (heads split d)
//   out = LayerNorm(H + LeakyReLU(fc_o(H)))       [B, Nx, d]
//
// The residual adds Q (X projected to d) rather than X, so X and Y may have
// any widths. A key padding mask [B, Ny] (set_mask.h) keeps padded members
// of Y out of every attention: their weights are exactly 0. Queries are not
// masked; the caller zeroes padded query rows it does not want.
//
// With spectral_norm every linear map is spectrally normalised
// (spectral_linear.h), as a discriminator's are in the thesis' set GAN.
//
// Example:
//   Mab mab(MabOptions(/*dim_q=*/64, /*dim_k=*/64, /*dim=*/128).heads(4));
//   torch::Tensor out = mab->forward(x, y, y_mask);  // [B, Nx, 128]
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "core/models/nn/spectral_linear.h"

namespace evgen {

struct MabOptions {
  MabOptions(int64_t dim_q, int64_t dim_k, int64_t dim) : dim_q_(dim_q), dim_k_(dim_k), dim_(dim) {}
  TORCH_ARG(int64_t, dim_q);
  TORCH_ARG(int64_t, dim_k);
  TORCH_ARG(int64_t, dim);  // output width; a multiple of heads
  TORCH_ARG(int64_t, heads) = 4;
  TORCH_ARG(double, leaky_slope) = 0.2;
  TORCH_ARG(bool, spectral_norm) = false;
};

class MabImpl : public torch::nn::Module {
 public:
  explicit MabImpl(MabOptions options);
  // forward: x [B, Nx, dim_q], y [B, Ny, dim_k], y_mask [B, Ny] bool (true
  // = real) or an undefined tensor when every member of y is real.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& y_mask);
  const MabOptions& options() const { return options_; }

 private:
  torch::Tensor Attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          const torch::Tensor& mask) const;

  MabOptions options_;
  SpectralLinear fc_q_{nullptr}, fc_k_{nullptr}, fc_v_{nullptr}, fc_o_{nullptr};
  torch::nn::LayerNorm norm0_{nullptr}, norm1_{nullptr};
};
TORCH_MODULE(Mab);

}  // namespace evgen
