#include "core/models/flow/flow_trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/models/nn/checkpoint_archive.h"
#include "core/models/nn/checkpoint_schedule.h"
#include "core/status_macros.h"
#include "core/models/nn/weight_average.h"
#include "core/random/counter_rng.h"

namespace evgen {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kEpochLabel = 0x4550434800000000ULL;
// An improvement must exceed this many nats per event, so that numerical
// jitter of a stalled run does not reset the patience.
constexpr double kMinImprovement = 1e-4;

int64_t TotalSteps(const FlowConfig& config, int64_t rows) {
  if (config.epochs <= 0) return config.steps;
  return config.epochs * std::max<int64_t>(1, rows / config.batch_size);
}

}  // namespace

double FlowMeanNll(FlowNetwork& network, const torch::Tensor& x, const torch::Tensor& cond, torch::Device device) {
  torch::NoGradGuard no_grad;
  const bool was_training = network->is_training();
  network->eval();
  constexpr int64_t kChunk = 8192;
  double sum = 0;
  for (int64_t begin = 0; begin < x.size(0); begin += kChunk) {
    const int64_t end = std::min(x.size(0), begin + kChunk);
    sum -= network->LogProb(x.slice(0, begin, end).to(device), cond.slice(0, begin, end).to(device))
               .sum()
               .item<double>();
  }
  network->train(was_training);
  return x.size(0) > 0 ? sum / static_cast<double>(x.size(0)) : 0;
}

struct FlowTrainer::State {
  FlowConfig config;
  FlowNetwork network;
  torch::Device device;
  uint64_t seed = 0;
  std::unique_ptr<torch::optim::Adam> optimizer;
  // What a checkpoint carries besides the network and the optimiser.
  int64_t step = 0;
  double best_nll = 0;
  int64_t best_step = -1;
  int64_t stale_evaluations = 0;
  std::vector<torch::Tensor> best_weights;  // parameters then buffers
  std::vector<torch::Tensor> average;       // optimizer.weight_average's, same layout
  // Derived, not checkpointed: the current epoch's permutation.
  int64_t cached_epoch = -1;
  torch::Tensor permutation;

  State(const FlowConfig& c, FlowNetwork n, torch::Device d) : config(c), network(std::move(n)), device(d) {}

  std::vector<torch::Tensor> Weights() const { return ModuleWeights(*network); }

  void SetWeights(const std::vector<torch::Tensor>& values) { SetModuleWeights(*network, values); }

  // BatchRows returns the rows of batch `index`: epochs are seeded
  // permutations, so a batch depends only on (seed, index).
  torch::Tensor BatchRows(int64_t index, int64_t rows) {
    const int64_t per_epoch = std::max<int64_t>(1, rows / config.batch_size);
    const int64_t epoch = index / per_epoch;
    if (epoch != cached_epoch) {
      at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(DeriveSeed(seed ^ kEpochLabel, epoch));
      permutation = torch::randperm(rows, gen, torch::kLong);
      cached_epoch = epoch;
    }
    const int64_t begin = (index % per_epoch) * config.batch_size;
    return permutation.slice(0, begin, std::min(rows, begin + config.batch_size));
  }

  // SetLearningRate applies the decay for the current step (a function of
  // the step alone, so resuming keeps it).
  void SetLearningRate(int64_t total) {
    const FlowOptimizerSpec& o = config.optimizer;
    if (o.lr_decay_to >= 1) return;
    const double fraction = std::pow(o.lr_decay_to, static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, total)));
    for (auto& group : optimizer->param_groups()) group.options().set_lr(o.lr * fraction);
  }

  // Step returns the batch's mean model-space NLL.
  double Step(const FlowTrainingData& data) {
    network->train();
    const torch::Tensor idx = BatchRows(step, data.train_targets.size(0));
    const torch::Tensor x = data.train_targets.index_select(0, idx).to(device);
    const torch::Tensor c = data.train_conditions.index_select(0, idx).to(device);
    const torch::Tensor loss = -network->LogProb(x, c).mean();
    optimizer->zero_grad();
    loss.backward();
    if (config.optimizer.max_grad_norm > 0) {
      torch::nn::utils::clip_grad_norm_(network->parameters(), config.optimizer.max_grad_norm);
    }
    optimizer->step();
    UpdateWeightAverage(*network, config.optimizer.weight_average, step, &average);
    ++step;
    return loss.item<double>();
  }

  // Evaluate returns the validation NLL in physical units and keeps the
  // weights if they are the best so far. With weight averaging the average
  // is validated (and kept), while training goes on from the trained weights.
  double Evaluate(const FlowTrainingData& data) {
    if (average.empty()) return Compare(data);
    const std::vector<torch::Tensor> trained = Weights();
    SetWeights(average);
    const double nll = Compare(data);
    SetWeights(trained);
    return nll;
  }

  double Compare(const FlowTrainingData& data) {
    const double nll = FlowMeanNll(network, data.validation_targets, data.validation_conditions, device) -
                       data.validation_log_jacobian;
    if (best_step < 0 || nll < best_nll - kMinImprovement) {
      best_nll = nll;
      best_step = step;
      best_weights = Weights();
      stale_evaluations = 0;
    } else {
      ++stale_evaluations;
    }
    return nll;
  }

  void Save(const std::string& path) const {
    torch::serialize::OutputArchive archive, net, opt;
    network->save(net);
    optimizer->save(opt);
    archive.write("network", net);
    archive.write("optimizer", opt);
    WriteNumber(archive, "step", static_cast<double>(step));
    WriteNumber(archive, "best_nll", best_nll);
    WriteNumber(archive, "best_step", static_cast<double>(best_step));
    WriteNumber(archive, "stale_evaluations", static_cast<double>(stale_evaluations));
    WriteTensorList(archive, "best_weights_size", "best_", best_weights);
    WriteTensorList(archive, "average_size", "average_", average);
    SaveArchiveAtomically(archive, path);
  }

  void Load(const std::string& path) {
    torch::serialize::InputArchive archive, net, opt;
    archive.load_from(path, device);
    archive.read("network", net);
    archive.read("optimizer", opt);
    network->load(net);
    optimizer->load(opt);
    step = static_cast<int64_t>(ReadNumber(archive, "step"));
    best_nll = ReadNumber(archive, "best_nll");
    best_step = static_cast<int64_t>(ReadNumber(archive, "best_step"));
    stale_evaluations = static_cast<int64_t>(ReadNumber(archive, "stale_evaluations"));
    best_weights = ReadTensorList(archive, "best_weights_size", "best_");
    // Checkpoints written before averaging existed carry no "average_size".
    torch::Tensor average_size;
    average.clear();
    if (archive.try_read("average_size", average_size)) average = ReadTensorList(archive, "average_size", "average_");
  }
};

FlowTrainer::FlowTrainer(const FlowConfig& config, FlowNetwork network, torch::Device device)
    : state_(std::make_unique<State>(config, std::move(network), device)) {
  State& s = *state_;
  s.network->to(device);
  s.optimizer = std::make_unique<torch::optim::Adam>(
      s.network->parameters(),
      torch::optim::AdamOptions(config.optimizer.lr).betas({config.optimizer.beta1, config.optimizer.beta2}));
}

FlowTrainer::~FlowTrainer() = default;

absl::StatusOr<FlowTrainingResult> FlowTrainer::Run(const FlowTrainingData& data, const FitContext& ctx) {
  State& s = *state_;
  s.seed = ctx.seed;
  const int64_t total = TotalSteps(s.config, data.train_targets.size(0));
  CheckpointSchedule checkpoints(ctx, s.config.checkpoint_every);
  const CheckpointSchedule::Io save = [&s](const std::string& path) { s.Save(path); };
  EVGEN_RETURN_IF_ERROR(checkpoints.Resume([&s](const std::string& path) { s.Load(path); }));
  const bool validating = data.validation_targets.size(0) > 0;
  const int64_t first_step = s.step;
  const int64_t report_every = std::max<int64_t>(1, std::min<int64_t>(100, total / 100));
  const auto start = Clock::now();
  FlowTrainingResult result;
  double nll_sum = 0;
  int64_t nll_count = 0;
  double validation_nll = s.best_step >= 0 ? s.best_nll : -1;
  checkpoints.Begin(s.step);
  while (s.step < total) {
    if (ctx.cancelled()) return checkpoints.Cancel(s.step, save);
    s.SetLearningRate(total);
    const double nll = s.Step(data) - data.train_log_jacobian;
    if (!std::isfinite(nll)) {
      return absl::InternalError(absl::StrCat("training diverged: the NLL of step ", s.step,
                                              " is not finite; lower optimizer.lr or max_grad_norm"));
    }
    nll_sum += nll;
    ++nll_count;
    result.last_train_nll = nll;
    const bool validate = validating && (s.step % s.config.validation.every == 0 || s.step == total);
    if (validate) validation_nll = s.Evaluate(data);
    const bool stop_early = s.config.validation.patience > 0 && s.stale_evaluations >= s.config.validation.patience;
    checkpoints.AfterStep(s.step, total, stop_early, save);
    if (s.step % report_every == 0 || s.step == total || validate || stop_early) {
      TrainingProgress p;
      p.step = s.step;
      p.total_steps = total;
      p.losses["nll"] = nll_sum / static_cast<double>(std::max<int64_t>(1, nll_count));
      if (validating && s.best_step >= 0) p.losses["validation_nll"] = validation_nll;
      p.validation_metric = validation_nll;
      p.has_validation_metric = true;
      nll_sum = 0;
      nll_count = 0;
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const double done = static_cast<double>(s.step - first_step);
      p.events_per_second = elapsed > 0 ? done * static_cast<double>(s.config.batch_size) / elapsed : -1;
      p.eta_seconds = done > 0 ? elapsed * static_cast<double>(total - s.step) / done : -1;
      if (stop_early) p.message = absl::StrCat("early stop: best validation NLL at step ", s.best_step);
      ctx.on_progress(p);
    }
    if (stop_early) {
      result.stopped_early = true;
      break;
    }
  }
  if (!s.best_weights.empty()) {
    s.SetWeights(s.best_weights);
  } else if (!s.average.empty()) {
    s.SetWeights(s.average);
  }
  s.network->eval();
  result.steps_done = s.step;
  result.best_validation_nll = s.best_nll;
  result.best_step = s.best_step;
  return result;
}

}  // namespace evgen
