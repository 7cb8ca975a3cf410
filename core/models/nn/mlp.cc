#include "core/models/nn/mlp.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/util/json_fields.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr int64_t kMaxWidth = 8192;
// kPowerIterationEps keeps the normalisation finite for an all-zero weight.
constexpr double kPowerIterationEps = 1e-12;

const std::vector<std::string>& SpecKeys() {
  static const std::vector<std::string> keys = {
      "hidden", "activation", "leaky_slope", "norm", "spectral_norm", "dropout", "output"};
  return keys;
}

absl::Status ReadChoice(const nlohmann::json& j, const std::string& field, const std::string& key,
                        const std::vector<std::string>& allowed, std::string* out) {
  if (!j.contains(key)) return absl::OkStatus();
  const nlohmann::json& v = j.at(key);
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(JsonKeyName(field, key), " must be one of \"",
                                                   absl::StrJoin(allowed, "\", \""), "\", got ",
                                                   v.dump()));
  };
  if (!v.is_string()) return bad();
  const std::string s = v.get<std::string>();
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) return bad();
  *out = s;
  return absl::OkStatus();
}

// ReadNumber accepts a finite number in [lo, hi) (or [lo, hi] when hi_closed).
absl::Status ReadNumber(const nlohmann::json& j, const std::string& field, const std::string& key,
                        double lo, double hi, bool hi_closed, double* out) {
  if (!j.contains(key)) return absl::OkStatus();
  const nlohmann::json& v = j.at(key);
  const bool ok = v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= lo &&
                  (hi_closed ? v.get<double>() <= hi : v.get<double>() < hi);
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(JsonKeyName(field, key), " must be a number in [",
                                                   lo, ", ", hi, hi_closed ? "]" : ")", ", got ",
                                                   v.dump()));
  }
  *out = v.get<double>();
  return absl::OkStatus();
}

absl::Status ReadBool(const nlohmann::json& j, const std::string& field, const std::string& key,
                      bool* out) {
  if (!j.contains(key)) return absl::OkStatus();
  const nlohmann::json& v = j.at(key);
  if (!v.is_boolean()) {
    return absl::InvalidArgumentError(
        absl::StrCat(JsonKeyName(field, key), " must be true or false, got ", v.dump()));
  }
  *out = v.get<bool>();
  return absl::OkStatus();
}

absl::Status ReadHidden(const nlohmann::json& j, const std::string& field,
                        std::vector<int64_t>* out) {
  if (!j.contains("hidden")) return absl::OkStatus();
  const nlohmann::json& v = j.at("hidden");
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(JsonKeyName(field, "hidden"),
                                                   " must be an array of integer widths in [1, ",
                                                   kMaxWidth, "], got ", v.dump()));
  };
  if (!v.is_array()) return bad();
  std::vector<int64_t> widths;
  for (const nlohmann::json& w : v) {
    // get<double> first so an unsigned 2^64-1 cannot wrap into range.
    if (!w.is_number_integer() || w.get<double>() < 1 || w.get<double>() > kMaxWidth) return bad();
    widths.push_back(w.get<int64_t>());
  }
  *out = std::move(widths);
  return absl::OkStatus();
}

torch::Tensor Normalized(const torch::Tensor& v) { return v / (v.norm() + kPowerIterationEps); }

}  // namespace

absl::StatusOr<MlpSpec> MlpSpec::FromJson(const nlohmann::json& j, const std::string& field) {
  MlpSpec spec;
  if (j.is_null()) return spec;
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be a JSON object, got ", j.dump()));
  }
  EVGEN_RETURN_IF_ERROR(CheckJsonKeys(j, field, SpecKeys()));
  EVGEN_RETURN_IF_ERROR(ReadHidden(j, field, &spec.hidden));
  EVGEN_RETURN_IF_ERROR(ReadChoice(j, field, "activation", {"leaky-relu", "relu", "tanh", "swish"},
                                   &spec.activation));
  EVGEN_RETURN_IF_ERROR(ReadNumber(j, field, "leaky_slope", 0, 1, false, &spec.leaky_slope));
  EVGEN_RETURN_IF_ERROR(ReadChoice(j, field, "norm", {"none", "batch", "layer"}, &spec.norm));
  EVGEN_RETURN_IF_ERROR(ReadBool(j, field, "spectral_norm", &spec.spectral_norm));
  EVGEN_RETURN_IF_ERROR(ReadNumber(j, field, "dropout", 0, 1, false, &spec.dropout));
  EVGEN_RETURN_IF_ERROR(ReadChoice(j, field, "output", {"linear", "sigmoid"}, &spec.output));
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

torch::Tensor MlpImpl::forward(torch::Tensor x) { return Run(std::move(x), generator_, is_training()); }

torch::Tensor MlpImpl::ForwardWithDropout(torch::Tensor x, at::Generator generator) {
  TORCH_CHECK(generator.device().is_cpu(), "Mlp: the dropout generator must be a CPU generator");
  return Run(std::move(x), generator, /*dropout=*/true);
}

torch::Tensor MlpImpl::Run(torch::Tensor x, const c10::optional<at::Generator>& generator, bool dropout) {
  const size_t layers = linears_.size();
  for (size_t k = 0; k < layers; ++k) {
    x = torch::nn::functional::linear(x, Weight(k), linears_[k]->bias);
    if (k + 1 == layers) break;
    if (!batch_norms_.empty()) x = batch_norms_[k]->forward(x);
    if (!layer_norms_.empty()) x = layer_norms_[k]->forward(x);
    x = Dropout(Activate(k, x), generator, dropout);
  }
  return spec_.output == "sigmoid" ? torch::sigmoid(x) : x;
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
