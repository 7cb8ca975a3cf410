// spectral_linear.h: SpectralLinear, a Linear layer whose weight can be
// divided by its largest singular value (spectral normalisation, Miyato et
// al. 2018), for discriminators built of attention blocks (set_attention.h)
// rather than of an Mlp (which has its own spectral_norm option).
//
// The singular value is estimated by power iteration: one step per training
// forward, none in eval mode (eval forwards write nothing, so concurrent
// inference is safe). The iteration vector u is a registered buffer, so a
// checkpoint carries it and a resumed run iterates from the same vector.
//
// Example:
//   SpectralLinear fc(SpectralLinearOptions(64, 32).spectral_norm(true));
//   torch::Tensor y = fc->forward(x);  // x [..., 64] -> y [..., 32]
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace evgen {

struct SpectralLinearOptions {
  SpectralLinearOptions(int64_t in, int64_t out) : in_(in), out_(out) {}
  TORCH_ARG(int64_t, in);
  TORCH_ARG(int64_t, out);
  TORCH_ARG(bool, spectral_norm) = false;
};

class SpectralLinearImpl : public torch::nn::Module {
 public:
  explicit SpectralLinearImpl(SpectralLinearOptions options);
  torch::Tensor forward(const torch::Tensor& x);
  // Weight is the weight the forward uses: divided by the estimated largest
  // singular value when spectral_norm is on (one power step in training).
  torch::Tensor Weight();
  const SpectralLinearOptions& options() const { return options_; }

 private:
  SpectralLinearOptions options_;
  torch::nn::Linear linear_{nullptr};
  torch::Tensor u_;  // buffer "sn_u" [out]; only with spectral_norm
};
TORCH_MODULE(SpectralLinear);

}  // namespace evgen
