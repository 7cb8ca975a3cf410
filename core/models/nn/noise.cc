#include "core/models/nn/noise.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

constexpr int64_t kMaxDim = 4096;

// SkewDelta is Azzalini's delta = alpha / sqrt(1 + alpha^2).
double SkewDelta(double alpha) { return alpha / std::sqrt(1 + alpha * alpha); }

}  // namespace

absl::StatusOr<NoiseSpec> NoiseSpec::FromJson(const nlohmann::json& j, const std::string& field) {
  NoiseSpec spec;
  ConfigReader r(j, field);
  r.Choice("kind", spec.kind, {"normal", "uniform", "skew-normal"})
      .Number("alpha", spec.alpha)
      .Integer("dim", spec.dim, 1, kMaxDim);
  EVGEN_RETURN_IF_ERROR(r.Finish());
  return spec;
}

nlohmann::json NoiseSpec::ToJson() const {
  return nlohmann::json{{"kind", kind}, {"alpha", alpha}, {"dim", dim}};
}

torch::Tensor DrawNoise(const NoiseSpec& spec, int64_t rows, at::Generator& generator) {
  const std::vector<int64_t> shape = {rows, spec.dim};
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(torch::kCPU);
  if (spec.kind == "uniform") return torch::rand(shape, generator, options);
  if (spec.kind == "skew-normal") {
    const double delta = SkewDelta(spec.alpha);
    const torch::Tensor u0 = torch::randn(shape, generator, options);
    const torch::Tensor u1 = torch::randn(shape, generator, options);
    return delta * u0.abs() + std::sqrt(1 - delta * delta) * u1;
  }
  TORCH_CHECK(spec.kind == "normal", "DrawNoise: unknown noise kind '", spec.kind, "'");
  return torch::randn(shape, generator, options);
}

void FillNoiseRow(const NoiseSpec& spec, CounterRng& rng, float* out) {
  if (spec.kind == "uniform") {
    for (int64_t d = 0; d < spec.dim; ++d) out[d] = static_cast<float>(rng.Uniform());
    return;
  }
  if (spec.kind == "skew-normal") {
    const double delta = SkewDelta(spec.alpha);
    const double rest = std::sqrt(1 - delta * delta);
    for (int64_t d = 0; d < spec.dim; ++d) {
      const double u0 = rng.Normal();
      const double u1 = rng.Normal();
      out[d] = static_cast<float>(delta * std::fabs(u0) + rest * u1);
    }
    return;
  }
  TORCH_CHECK(spec.kind == "normal", "FillNoiseRow: unknown noise kind '", spec.kind, "'");
  for (int64_t d = 0; d < spec.dim; ++d) out[d] = static_cast<float>(rng.Normal());
}

}  // namespace evgen
