#include "core/models/nn/noise.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/util/json_fields.h"

namespace evgen {
namespace {

constexpr int64_t kMaxDim = 4096;

// SkewDelta is Azzalini's delta = alpha / sqrt(1 + alpha^2).
double SkewDelta(double alpha) { return alpha / std::sqrt(1 + alpha * alpha); }

}  // namespace

absl::StatusOr<NoiseSpec> NoiseSpec::FromJson(const nlohmann::json& j, const std::string& field) {
  NoiseSpec spec;
  if (j.is_null()) return spec;
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be a JSON object, got ", j.dump()));
  }
  if (absl::Status s = CheckJsonKeys(j, field, {"kind", "alpha", "dim"}); !s.ok()) return s;
  if (j.contains("kind")) {
    const nlohmann::json& v = j.at("kind");
    if (!v.is_string() || (v != "normal" && v != "uniform" && v != "skew-normal")) {
      return absl::InvalidArgumentError(
          absl::StrCat(JsonKeyName(field, "kind"),
                       " must be one of \"normal\", \"uniform\", \"skew-normal\", got ", v.dump()));
    }
    spec.kind = v.get<std::string>();
  }
  if (j.contains("alpha")) {
    const nlohmann::json& v = j.at("alpha");
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      return absl::InvalidArgumentError(
          absl::StrCat(JsonKeyName(field, "alpha"), " must be a finite number, got ", v.dump()));
    }
    spec.alpha = v.get<double>();
  }
  if (j.contains("dim")) {
    const nlohmann::json& v = j.at("dim");
    // get<double> first so an unsigned 2^64-1 cannot wrap into range.
    if (!v.is_number_integer() || v.get<double>() < 1 || v.get<double>() > kMaxDim) {
      return absl::InvalidArgumentError(absl::StrCat(
          JsonKeyName(field, "dim"), " must be an integer in [1, ", kMaxDim, "], got ", v.dump()));
    }
    spec.dim = v.get<int64_t>();
  }
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
