// noise.h: the latent distributions a generator draws from.
//
// Kinds: "normal" (standard normal), "uniform" (uniform on [0, 1)), and
// "skew-normal" with shape alpha, density f(z) = 2 phi(z) Phi(alpha z)
// (Lin, Bhimji, Nachman 2019 use alpha = 5 because jet masses have a long
// high tail; alpha = 0 is the normal). Skew-normal deviates are drawn as
// delta |u0| + sqrt(1 - delta^2) u1 with u0, u1 standard normal and
// delta = alpha / sqrt(1 + alpha^2) (Azzalini's representation).
//
// Two ways to draw: DrawNoise fills a training batch from a torch generator;
// FillNoiseRow draws one sample row from a CounterRng, so sampled row r
// depends only on (seed, r) however the request is chunked.
#pragma once

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "core/random/counter_rng.h"
#include "nlohmann/json.hpp"

namespace evgen {

struct NoiseSpec {
  std::string kind = "normal";
  double alpha = 0;  // skew-normal shape; only for kind "skew-normal"
  int64_t dim = 8;   // latent dimension

  // FromJson reads {"kind", "alpha", "dim"}; InvalidArgument names
  // "<field>.<key>" and the allowed values (dim in [1, 4096]).
  [[nodiscard]] static absl::StatusOr<NoiseSpec> FromJson(const nlohmann::json& j,
                                                          const std::string& field);
  nlohmann::json ToJson() const;
};

// DrawNoise returns a float32 CPU tensor [rows, spec.dim].
torch::Tensor DrawNoise(const NoiseSpec& spec, int64_t rows, at::Generator& generator);

// FillNoiseRow writes spec.dim deviates to out.
void FillNoiseRow(const NoiseSpec& spec, CounterRng& rng, float* out);

}  // namespace evgen
