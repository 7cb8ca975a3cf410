#include "core/models/nn/noise.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/physics/constants.h"
#include "core/random/block_random.h"
#include "core/random/counter_rng.h"
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

namespace {

// StandardNormals: [rows, dim] normals from uniforms of two derived streams
// (Box-Muller's radius and angle), in vectorised LibTorch operations.
torch::Tensor StandardNormals(uint64_t key, uint64_t first, int64_t rows, int64_t dim) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat32);
  torch::Tensor radius = torch::empty({rows, dim}, options);
  torch::Tensor angle = torch::empty({rows, dim}, options);
  FillUniform(DeriveSeed(key, 1), first, radius.data_ptr<float>(), rows * dim);
  FillUniform(DeriveSeed(key, 2), first, angle.data_ptr<float>(), rows * dim);
  return radius.log_().mul_(-2.0).sqrt_().mul_(angle.mul_(2 * physics::kPi).cos_());
}

}  // namespace

torch::Tensor BlockNoise(const NoiseSpec& spec, uint64_t key, int64_t first_row, int64_t rows) {
  const uint64_t first = static_cast<uint64_t>(first_row) * static_cast<uint64_t>(spec.dim);
  if (spec.kind == "uniform") {
    torch::Tensor u = torch::empty({rows, spec.dim}, torch::kFloat32);
    FillUniform(key, first, u.data_ptr<float>(), rows * spec.dim);
    return u;
  }
  if (spec.kind == "skew-normal") {
    const double delta = SkewDelta(spec.alpha);
    const torch::Tensor u0 = StandardNormals(DeriveSeed(key, 3), first, rows, spec.dim);
    const torch::Tensor u1 = StandardNormals(DeriveSeed(key, 4), first, rows, spec.dim);
    return u0.abs_().mul_(delta).add_(u1, std::sqrt(1 - delta * delta));
  }
  TORCH_CHECK(spec.kind == "normal", "BlockNoise: unknown noise kind '", spec.kind, "'");
  return StandardNormals(key, first, rows, spec.dim);
}

}  // namespace evgen
