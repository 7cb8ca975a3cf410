#include "core/models/nn/mab.h"

#include <cmath>

#include "core/models/nn/set_mask.h"

namespace evgen {

MabImpl::MabImpl(MabOptions options) : options_(options) {
  TORCH_CHECK(options_.heads() > 0 && options_.dim() % options_.heads() == 0,
              "MAB: width ", options_.dim(), " is not a multiple of ", options_.heads(), " heads");
  auto linear = [this](const char* name, int64_t in) {
    return register_module(
        name, SpectralLinear(SpectralLinearOptions(in, options_.dim()).spectral_norm(options_.spectral_norm())));
  };
  fc_q_ = linear("fc_q", options_.dim_q());
  fc_k_ = linear("fc_k", options_.dim_k());
  fc_v_ = linear("fc_v", options_.dim_k());
  fc_o_ = linear("fc_o", options_.dim());
  norm0_ = register_module("norm0", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options_.dim()})));
  norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options_.dim()})));
}

// Attention: q [B, Nq, d], k and v [B, Nk, d] -> [B, Nq, d], heads split d.
torch::Tensor MabImpl::Attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 const torch::Tensor& mask) const {
  const int64_t b = q.size(0), nq = q.size(1), nk = k.size(1), h = options_.heads();
  const int64_t dh = options_.dim() / h;
  auto split = [b, h, dh](const torch::Tensor& t, int64_t n) { return t.reshape({b, n, h, dh}).transpose(1, 2); };
  const torch::Tensor qh = split(q, nq), kh = split(k, nk), vh = split(v, nk);  // [B, h, N, dh]
  torch::Tensor scores = torch::matmul(qh, kh.transpose(-2, -1)) / std::sqrt(static_cast<double>(dh));
  if (mask.defined()) scores = scores.masked_fill(mask.logical_not().view({b, 1, 1, nk}), kMaskedScore);
  const torch::Tensor weights = torch::softmax(scores, -1);
  return torch::matmul(weights, vh).transpose(1, 2).reshape({b, nq, options_.dim()});
}

torch::Tensor MabImpl::forward(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& y_mask) {
  const torch::Tensor q = fc_q_->forward(x);
  const torch::Tensor h = norm0_->forward(q + Attention(q, fc_k_->forward(y), fc_v_->forward(y), y_mask));
  return norm1_->forward(h + torch::leaky_relu(fc_o_->forward(h), options_.leaky_slope()));
}

}  // namespace evgen
