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
// BlockNoise fills sample rows from a keyed stream (block_random.h), so
// sampled row r depends only on (key, r) however the request is chunked.
#pragma once

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "absl/status/statusor.h"
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

// BlockNoise returns a float32 CPU tensor [rows, spec.dim] holding the
// deviates of absolute rows [first_row, first_row + rows) of stream `key`.
// Normals are Box-Muller pairs of 24-bit uniforms (tails reach 5.8 sigma).
torch::Tensor BlockNoise(const NoiseSpec& spec, uint64_t key, int64_t first_row, int64_t rows);

}  // namespace evgen
