#include "core/models/nn/mlp.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/random/block_random.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

constexpr int64_t kMaxWidth = 8192;
// kPowerIterationEps keeps the normalisation finite for an all-zero weight.
constexpr double kPowerIterationEps = 1e-12;

torch::Tensor Normalized(const torch::Tensor& v) { return v / (v.norm() + kPowerIterationEps); }

}  // namespace

absl::StatusOr<MlpSpec> MlpSpec::FromJson(const nlohmann::json& j, const std::string& field) {
  MlpSpec spec;
  ConfigReader r(j, field);
  r.Integers("hidden", spec.hidden, 1, kMaxWidth)
      .Choice("activation", spec.activation, {"leaky-relu", "relu", "tanh", "swish"})
      .Number("leaky_slope", spec.leaky_slope, Interval::ClosedOpen(0, 1))
      .Choice("norm", spec.norm, {"none", "batch", "layer"})
      .Bool("spectral_norm", spec.spectral_norm)
      .Number("dropout", spec.dropout, Interval::ClosedOpen(0, 1))
      .Choice("output", spec.output, {"linear", "sigmoid"});
  EVGEN_RETURN_IF_ERROR(r.Finish());
  return spec;
}

nlohmann::json MlpSpec::ToJson() const {
  return nlohmann::json{
      {"hidden", hidden}, {"activation", activation},       {"leaky_slope", leaky_slope},
      {"norm", norm},     {"spectral_norm", spectral_norm}, {"dropout", dropout},
      {"output", output}};
}

MlpImpl::MlpImpl(int64_t inputs, int64_t outputs, MlpSpec spec) : spec_(std::move(spec)) {
  TORCH_CHECK(inputs > 0 && outputs > 0, "Mlp: inputs and outputs must be positive, got ", inputs,
              " and ", outputs);
  const std::string& a = spec_.activation;
  TORCH_CHECK(a == "leaky-relu" || a == "relu" || a == "tanh" || a == "swish",
              "Mlp: unknown activation '", a, "'");
  TORCH_CHECK(spec_.norm == "none" || spec_.norm == "batch" || spec_.norm == "layer",
              "Mlp: unknown norm '", spec_.norm, "'");
  TORCH_CHECK(spec_.output == "linear" || spec_.output == "sigmoid", "Mlp: unknown output '",
              spec_.output, "'");
  TORCH_CHECK(spec_.dropout >= 0 && spec_.dropout < 1, "Mlp: dropout must be in [0, 1)");

  int64_t width = inputs;
  for (size_t k = 0; k <= spec_.hidden.size(); ++k) {
    const bool last = k == spec_.hidden.size();
    const int64_t next = last ? outputs : spec_.hidden[k];
    const std::string id = std::to_string(k);
    linears_.push_back(register_module("linear" + id, torch::nn::Linear(width, next)));
    if (spec_.spectral_norm) {
      // u starts random (the caller's seed decides it); one power iteration
      // per training step then tracks the top singular vector.
      sn_u_.push_back(register_buffer("sn_u" + id, Normalized(torch::randn({next}))));
    }
    if (!last) AddHiddenExtras(id, next);
    width = next;
  }
}

void MlpImpl::AddHiddenExtras(const std::string& id, int64_t width) {
  if (spec_.norm == "batch") {
    batch_norms_.push_back(register_module("norm" + id, torch::nn::BatchNorm1d(width)));
  } else if (spec_.norm == "layer") {
    layer_norms_.push_back(
        register_module("norm" + id, torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}))));
  }
  if (spec_.activation == "swish") {
    swish_betas_.push_back(register_parameter("swish_beta" + id, torch::ones({})));
  }
}

torch::Tensor MlpImpl::Weight(size_t k) {
  const torch::Tensor& w = linears_[k]->weight;
  if (!spec_.spectral_norm) return w;
  torch::Tensor& u = sn_u_[k];
  torch::Tensor v;
  {
    torch::NoGradGuard no_grad;
    v = Normalized(torch::mv(w.t(), u));
    if (is_training()) {
      u.copy_(Normalized(torch::mv(w, v)));
      v = Normalized(torch::mv(w.t(), u));
    }
  }
  // The clone keeps this step's u in the graph although the next training
  // forward updates the buffer in place before backward may run.
  const torch::Tensor sigma = torch::dot(u.clone(), torch::mv(w, v));
  return w / sigma;
}

torch::Tensor MlpImpl::Activate(size_t k, const torch::Tensor& x) {
  const std::string& a = spec_.activation;
  if (a == "relu") return torch::relu(x);
  if (a == "tanh") return torch::tanh(x);
  if (a == "swish") return x * torch::sigmoid(swish_betas_[k] * x);
  return torch::leaky_relu(x, spec_.leaky_slope);
}

torch::Tensor MlpImpl::Dropout(const torch::Tensor& x, const c10::optional<at::Generator>& generator,
                               bool active) {
  if (!active || spec_.dropout <= 0) return x;
  // The mask is drawn on the CPU from our generator so the step is
  // reproducible whatever device x lives on.
  const torch::Tensor u = torch::rand(x.sizes(), generator, torch::kFloat32);
  const torch::Tensor keep = (u >= spec_.dropout).to(x.options());
  return x * keep / (1.0 - spec_.dropout);
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
  const bool active = is_training();
  return Run(std::move(x), [&](size_t, const torch::Tensor& h) { return Dropout(h, generator_, active); });
}

torch::Tensor MlpImpl::ForwardWithDropout(torch::Tensor x, at::Generator generator) {
  TORCH_CHECK(generator.device().is_cpu(), "Mlp: the dropout generator must be a CPU generator");
  const c10::optional<at::Generator> g = generator;
  return Run(std::move(x), [&](size_t, const torch::Tensor& h) { return Dropout(h, g, /*active=*/true); });
}

torch::Tensor MlpImpl::ForwardWithKeyedDropout(torch::Tensor x, const std::vector<KeyedRows>& spans) {
  c10::InferenceMode inference;  // sampling only: the masks are applied in place
  const DropoutMask mask(1.0 - spec_.dropout);
  int64_t covered = 0;
  for (const KeyedRows& s : spans) covered += s.rows;
  const bool padded = covered < x.size(0);  // spans never overlap
  return Run(std::move(x), [&](size_t k, torch::Tensor h) {
    if (spec_.dropout <= 0) return h;
    torch::Tensor m = padded ? torch::zeros(h.sizes(), torch::kFloat32) : torch::empty(h.sizes(), torch::kFloat32);
    const int64_t width = h.size(1);
    float* out = m.data_ptr<float>();
    for (const KeyedRows& s : spans) {
      mask.Fill(DeriveSeed(s.key, k), static_cast<uint64_t>(s.first_row * width), out + s.position * width,
                s.rows * width);
    }
    return h.mul_(m.to(h.device(), h.scalar_type()));
  });
}

torch::Tensor MlpImpl::Run(torch::Tensor x, const HiddenHook& after_activation) {
  const size_t layers = linears_.size();
  for (size_t k = 0; k < layers; ++k) {
    // Layers may differ in precision (KeepOutputLayerInFloat32).
    const torch::ScalarType type = linears_[k]->weight.scalar_type();
    if (x.scalar_type() != type) x = x.to(type);
    x = torch::nn::functional::linear(x, Weight(k), linears_[k]->bias);
    if (k + 1 == layers) break;
    if (!batch_norms_.empty()) x = batch_norms_[k]->forward(x);
    if (!layer_norms_.empty()) x = layer_norms_[k]->forward(x);
    x = after_activation(k, Activate(k, x));
  }
  return spec_.output == "sigmoid" ? torch::sigmoid(x) : x;
}

void MlpImpl::KeepOutputLayerInFloat32() {
  linears_.back()->to(torch::kFloat32);
  if (spec_.spectral_norm) sn_u_.back().set_data(sn_u_.back().to(torch::kFloat32));
}

void MlpImpl::set_noise_generator(std::optional<at::Generator> generator) {
  if (generator.has_value()) {
    TORCH_CHECK(generator->device().is_cpu(), "Mlp: the dropout generator must be a CPU generator");
    generator_ = std::move(*generator);
  } else {
    generator_ = c10::nullopt;
  }
}

}  // namespace evgen
