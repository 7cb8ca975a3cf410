// weight_average.h: a module's weights as a list (parameters, then
// buffers) and their exponential moving average (Polyak averaging), which
// the GAN and flow trainers validate and keep instead of the last weights.
//
// Why averaging: a stochastic-gradient run ends wherever the last batches
// pushed it. For a flow, a shift of a feature's mean by a few hundredths of
// a standard deviation costs about 1e-3 nats per event, far below the
// batch-to-batch noise of the loss, so the last weights carry such shifts
// (2-3% on the dilepton pT means); the average over the last ~1/(1 - decay)
// steps cancels them.
//
// Example:
//   std::vector<torch::Tensor> average;
//   // after each optimiser step:
//   UpdateWeightAverage(*network, /*decay=*/0.999, step, &average);
//   std::vector<torch::Tensor> trained = ModuleWeights(*network);
//   SetModuleWeights(*network, average);   // validate the average ...
//   SetModuleWeights(*network, trained);   // ... and train on
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace evgen {

// ModuleWeights returns copies of the module's parameters, then its buffers.
std::vector<torch::Tensor> ModuleWeights(const torch::nn::Module& module);

// SetModuleWeights copies `weights` (ModuleWeights' layout) into the module.
void SetModuleWeights(torch::nn::Module& module, const std::vector<torch::Tensor>& weights);

// UpdateWeightAverage moves *average towards the module's weights: the
// first call copies them; later ones keep min(decay, (1 + step) / (10 +
// step)) of the average for each parameter (so that the initial weights do
// not dominate early on) and copy the buffers (spectral-norm vectors,
// ActNorm statistics), which are not averaged. decay <= 0 does nothing.
void UpdateWeightAverage(const torch::nn::Module& module, double decay, int64_t step,
                         std::vector<torch::Tensor>* average);

}  // namespace evgen
