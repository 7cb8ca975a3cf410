// mlp.h: Mlp, the fully connected network every GAN kind builds its
// generator and discriminator from, configured by MlpSpec.
//
// Layout: in -> [Linear -> norm -> activation -> dropout] per hidden width ->
// Linear -> output activation. Options follow the papers:
// - activation: "leaky-relu" (slope `leaky_slope`), "relu", "tanh", or
//   "swish": x * sigmoid(beta x) with one trainable beta per layer
//   (Lebese et al.'s trainable Swish; beta starts at 1).
// - norm: "none", "batch" (BatchNorm1d) or "layer" (LayerNorm).
// - spectral_norm: every Linear's weight is divided by its largest singular
//   value, estimated by one power iteration per training forward (Miyato et
//   al. 2018); the iteration vector is a buffer, so it is checkpointed.
// - dropout: probability after each hidden activation (the jet-mass GAN's
//   generator uses 0.5). Dropout masks come from the generator set with
//   set_noise_generator(), not from LibTorch's global one, so a training
//   step is a pure function of its seed (exact resume, concurrent jobs).
// - output: "linear" or "sigmoid".
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(MlpSpec spec, MlpSpec::FromJson(config["generator"], "generator"));
//   Mlp g(/*inputs=*/noise_dim + n_conditions, /*outputs=*/n_targets, spec);
//   torch::Tensor y = g->forward(x);
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace evgen {

struct MlpSpec {
  std::vector<int64_t> hidden = {64, 64};
  std::string activation = "leaky-relu";
  double leaky_slope = 0.2;
  std::string norm = "none";
  bool spectral_norm = false;
  double dropout = 0;
  std::string output = "linear";

  // FromJson reads the keys above (missing keys keep their defaults) and
  // validates them; InvalidArgument names "<field>.<key>" and the allowed
  // values. Unknown keys are refused too (a typo must not pass silently).
  [[nodiscard]] static absl::StatusOr<MlpSpec> FromJson(const nlohmann::json& j,
                                                        const std::string& field);
  nlohmann::json ToJson() const;
};

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t inputs, int64_t outputs, MlpSpec spec);
  torch::Tensor forward(torch::Tensor x);
  // ForwardWithDropout applies dropout (if the spec has any) in any mode,
  // with masks drawn from `generator` (CPU); it writes no member state, so
  // concurrent calls are safe. A GAN generator trained with dropout samples
  // this way, since the dropout noise is part of the distribution it learnt.
  torch::Tensor ForwardWithDropout(torch::Tensor x, at::Generator generator);
  // KeyedRows: rows [first_row, first_row + rows) of a keyed mask stream,
  // placed at rows [position, position + rows) of a forward pass.
  struct KeyedRows {
    uint64_t key = 0;
    int64_t first_row = 0, position = 0, rows = 0;
  };
  // ForwardWithKeyedDropout is ForwardWithDropout for sampling: the mask of
  // hidden layer k for absolute row r of stream `key` comes from stream
  // (key, k) at position r * width (block_random.h), so rows do not depend
  // on how a request is cut into blocks or where in the pass they sit, and
  // masks cost little next to the forward. Rows of x that no span covers are
  // zeroed after each hidden layer (they are padding). Spans may come from
  // different streams: several requests can share one pass.
  torch::Tensor ForwardWithKeyedDropout(torch::Tensor x, const std::vector<KeyedRows>& spans);
  // The generator dropout masks are drawn from (a CPU generator); nullopt
  // uses LibTorch's default generator.
  void set_noise_generator(std::optional<at::Generator> generator);
  // KeepOutputLayerInFloat32, after the module was cast to bf16 or fp16,
  // casts the output layer back to float32; the forward then casts its
  // input up. A reduced-precision output layer rounds every generated value
  // to 8 (bf16) or 11 (fp16) bits of mantissa, so a generated column takes
  // only a few thousand distinct values (3,000 in 200,000 ttbar momenta),
  // which a KS test or a fine histogram sees; the hidden layers' rounding
  // averages out in the output's sums. The layer is a small part of the cost.
  void KeepOutputLayerInFloat32();
  const MlpSpec& spec() const { return spec_; }

 private:
  void AddHiddenExtras(const std::string& id, int64_t width);
  // Weight is layer k's weight, divided by its spectral norm when enabled.
  torch::Tensor Weight(size_t k);
  torch::Tensor Activate(size_t k, const torch::Tensor& x);
  torch::Tensor Dropout(const torch::Tensor& x, const c10::optional<at::Generator>& generator,
                        bool active);
  // Run is the forward pass; after_activation(k, h) gets hidden layer k's
  // activations and returns them with dropout applied (or as they are).
  using HiddenHook = std::function<torch::Tensor(size_t, torch::Tensor)>;
  torch::Tensor Run(torch::Tensor x, const HiddenHook& after_activation);

  MlpSpec spec_;
  // Registered as linear<k>, norm<k>, swish_beta<k> and the buffer sn_u<k>
  // (the spectral-norm power-iteration vector), so checkpoints hold them all.
  std::vector<torch::nn::Linear> linears_;
  std::vector<torch::nn::BatchNorm1d> batch_norms_;  // norm "batch" only
  std::vector<torch::nn::LayerNorm> layer_norms_;    // norm "layer" only
  std::vector<torch::Tensor> swish_betas_;           // activation "swish" only
  std::vector<torch::Tensor> sn_u_;                  // spectral_norm only
  c10::optional<at::Generator> generator_;
};
TORCH_MODULE(Mlp);

}  // namespace evgen
