#include "core/models/nn/isab.h"

#include <cmath>

#include "core/models/nn/set_mask.h"

namespace evgen {

IsabImpl::IsabImpl(IsabOptions options) : options_(options) {
  const int64_t dim = options_.dim();
  // Xavier-uniform, as the Set Transformer initialises I.
  const double bound = std::sqrt(6.0 / static_cast<double>(options_.inducing() + dim));
  inducing_ = register_parameter("inducing", torch::empty({options_.inducing(), dim}).uniform_(-bound, bound));
  auto mab = [&](int64_t dim_q, int64_t dim_k) {
    return Mab(MabOptions(dim_q, dim_k, dim)
                   .heads(options_.heads())
                   .leaky_slope(options_.leaky_slope())
                   .spectral_norm(options_.spectral_norm()));
  };
  to_inducing_ = register_module("to_inducing", mab(dim, options_.in()));
  from_inducing_ = register_module("from_inducing", mab(options_.in(), dim));
}

torch::Tensor IsabImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const torch::Tensor input = mask.defined() ? ZeroPadding(x, mask) : x;
  const torch::Tensor inducing = inducing_.unsqueeze(0).expand({x.size(0), -1, -1});
  const torch::Tensor h = to_inducing_->forward(inducing, input, mask);
  const torch::Tensor out = from_inducing_->forward(input, h, torch::Tensor());
  return mask.defined() ? ZeroPadding(out, mask) : out;
}

}  // namespace evgen
