#include "core/models/gan/gan_trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/models/gan/gan_losses.h"
#include "core/models/nn/checkpoint_archive.h"
#include "core/models/nn/checkpoint_schedule.h"
#include "core/models/nn/weight_average.h"

namespace evgen {
namespace {

using Clock = std::chrono::steady_clock;

// Labels that keep the generators of different purposes independent.
constexpr uint64_t kStepLabel = 0x5354455000000000ULL;
constexpr uint64_t kEpochLabel = 0x4550434800000000ULL;
constexpr uint64_t kValidationLabel = 0x56414c4900000000ULL;

at::Generator SeededGenerator(uint64_t seed, uint64_t label, uint64_t index) {
  return at::make_generator<at::CPUGeneratorImpl>(DeriveSeed(seed ^ label, index));
}

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(const OptimizerSpec& spec, double lr,
                                                       std::vector<torch::Tensor> params) {
  if (spec.name == "rmsprop") {
    return std::make_unique<torch::optim::RMSprop>(
        std::move(params), torch::optim::RMSpropOptions(lr).alpha(spec.alpha));
  }
  return std::make_unique<torch::optim::Adam>(
      std::move(params), torch::optim::AdamOptions(lr).betas({spec.beta1, spec.beta2}));
}

// CorrelationDistance is the largest |difference| between the Pearson
// correlation matrices of the columns of two samples (0 for one column).
double CorrelationDistance(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.size(1) < 2) return 0;
  auto correlations = [](const torch::Tensor& x) {
    const torch::Tensor centred = x.to(torch::kFloat64) - x.to(torch::kFloat64).mean(0, true);
    const torch::Tensor cov = centred.t().mm(centred);
    const torch::Tensor scale = cov.diagonal().clamp_min(1e-300).sqrt();
    return cov / scale.unsqueeze(0) / scale.unsqueeze(1);
  };
  return (correlations(a) - correlations(b)).abs().max().item<double>();
}

// TailDistance is the mean over columns and `quantiles` of the |difference|
// of the two samples' quantiles (0 without quantiles). Both samples have
// the same rows, so the sorted rows at floor(q * (rows - 1)) compare the
// same quantile estimate.
double TailDistance(const torch::Tensor& sorted_a, const torch::Tensor& sorted_b,
                    const std::vector<double>& quantiles) {
  if (quantiles.empty()) return 0;
  const int64_t rows = sorted_a.size(0);
  double sum = 0;
  for (double q : quantiles) {
    const int64_t r = static_cast<int64_t>(q * static_cast<double>(rows - 1));
    sum += (sorted_a[r] - sorted_b[r]).abs().mean().item<double>();
  }
  return sum / static_cast<double>(quantiles.size());
}

// BinDistance is the mean over columns of the 1-D Wasserstein distance
// between two equal-size samples, mean |sorted(a) - sorted(b)|, plus their
// tail distance at `quantiles`.
double BinDistance(const torch::Tensor& a, const torch::Tensor& b, const std::vector<double>& quantiles) {
  const torch::Tensor sa = std::get<0>(a.sort(0)), sb = std::get<0>(b.sort(0));
  return (sa - sb).abs().mean().item<double>() + TailDistance(sa, sb, quantiles);
}

// ValidationMetric: the mean W1 of the targets (plus the tail distance),
// overall and within quartiles of each condition.
double ValidationMetric(const torch::Tensor& real, const torch::Tensor& fake, const torch::Tensor& conditions,
                        const std::vector<double>& tail_quantiles) {
  double sum = BinDistance(real, fake, tail_quantiles);
  int64_t terms = 1;
  const int64_t rows = real.size(0);
  constexpr int kBins = 4;
  if (rows < 8 * kBins) return sum;
  for (int64_t c = 0; c < conditions.size(1); ++c) {
    const torch::Tensor order = std::get<1>(conditions.select(1, c).sort(0, /*descending=*/false));
    for (int b = 0; b < kBins; ++b) {
      const torch::Tensor rows_b = order.slice(0, rows * b / kBins, rows * (b + 1) / kBins);
      sum += BinDistance(real.index_select(0, rows_b), fake.index_select(0, rows_b), tail_quantiles);
      ++terms;
    }
  }
  return sum / terms;
}

}  // namespace

torch::Tensor RunGenerator(const Network& generator, const torch::Tensor& noise,
                           const torch::Tensor& conditions, torch::Device device,
                           c10::optional<at::Generator> dropout) {
  torch::NoGradGuard no_grad;
  const torch::Tensor input = torch::cat({noise, conditions}, 1).to(device);
  if (dropout.has_value() && generator.mlp) {
    return generator.mlp->ForwardWithDropout(input, *dropout).to(torch::kCPU);
  }
  return generator.forward(input).to(torch::kCPU);
}

struct StepLosses {
  double d = 0, g = 0, penalty = 0, mmd = 0;
  std::map<std::string, double> mmd_parts;
};

namespace {

torch::Tensor Critic(const Network& d, const torch::Tensor& x, const torch::Tensor& c) {
  return d.forward(c.size(1) > 0 ? torch::cat({x, c}, 1) : x).reshape({-1});
}

// DiscriminatorLoss returns the kind's loss plus its penalty; `penalty`
// receives the penalty's value for the log.
torch::Tensor DiscriminatorLoss(const GanConfig& config, const Network& d, const torch::Tensor& real,
                                const torch::Tensor& fake, const torch::Tensor& cond,
                                at::Generator& gen, double& penalty) {
  const torch::Tensor d_real = Critic(d, real, cond), d_fake = Critic(d, fake, cond);
  const CriticFunction critic = [&](const torch::Tensor& x) { return Critic(d, x, cond); };
  const std::string& kind = config.kind;
  if (kind == "gan") return GanDiscriminatorLoss(d_real, d_fake);
  if (kind == "lsgan") return LsganDiscriminatorLoss(d_real, d_fake, config.lsgan_a, config.lsgan_b);
  if (kind == "rjs-gan") {
    const torch::Tensor p = RegularizedJsPenalty(critic, real, fake);
    penalty = p.item<double>();
    return GanDiscriminatorLoss(d_real, d_fake) + config.rjs_lambda * p;
  }
  torch::Tensor loss = WassersteinCriticLoss(d_real, d_fake);
  if (kind == "wgan-gp") {
    const torch::Tensor eps = torch::rand({real.size(0), 1}, gen).to(real.device());
    const torch::Tensor p = GradientPenalty(critic, real, fake, eps);
    penalty = p.item<double>();
    loss = loss + config.gp_lambda * p;
  }
  return loss;
}

torch::Tensor GeneratorLoss(const GanConfig& config, const torch::Tensor& d_fake) {
  if (config.kind == "gan" || config.kind == "rjs-gan") return GanGeneratorLoss(d_fake);
  if (config.kind == "lsgan") return LsganGeneratorLoss(d_fake, config.lsgan_c);
  return WassersteinGeneratorLoss(d_fake);
}

}  // namespace

struct GanTrainer::State {
  GanConfig config;
  NoiseSpec noise;
  Network g, d;
  const MmdTerms* mmd;
  torch::Device device;
  uint64_t seed = 0;
  std::unique_ptr<torch::optim::Optimizer> opt_g, opt_d;
  // Training state that a checkpoint carries besides networks and optimisers.
  int64_t step = 0;
  double best_metric = -1;
  int64_t best_step = -1;
  int64_t stale_evaluations = 0;
  std::vector<torch::Tensor> best_generator;  // parameters then buffers
  std::vector<torch::Tensor> ema;             // averaged generator, same layout
  // Derived, not checkpointed: the current epoch's permutation.
  int64_t cached_epoch = -1;
  torch::Tensor permutation;

  State(const GanConfig& c, NoiseSpec n, Network gen, Network dis, const MmdTerms* m,
        torch::Device dev)
      : config(c), noise(std::move(n)), g(std::move(gen)), d(std::move(dis)), mmd(m), device(dev) {}

  std::vector<torch::Tensor> GeneratorState() const { return ModuleWeights(*g.module); }

  void SetGeneratorState(const std::vector<torch::Tensor>& values) { SetModuleWeights(*g.module, values); }

  // BatchRows returns the row indices of global batch `index`: epochs are
  // seeded permutations, so a batch depends only on (seed, index).
  torch::Tensor BatchRows(int64_t index, int64_t rows) {
    const int64_t per_epoch = std::max<int64_t>(1, rows / config.batch_size);
    const int64_t epoch = index / per_epoch;
    if (epoch != cached_epoch) {
      at::Generator gen = SeededGenerator(seed, kEpochLabel, static_cast<uint64_t>(epoch));
      permutation = torch::randperm(rows, gen, torch::kLong);
      cached_epoch = epoch;
    }
    const int64_t begin = (index % per_epoch) * config.batch_size;
    return permutation.slice(0, begin, std::min(rows, begin + config.batch_size));
  }

  void SetDropoutGenerator(std::optional<at::Generator> gen) {
    if (g.mlp) g.mlp->set_noise_generator(gen);
    if (d.mlp) d.mlp->set_noise_generator(gen);
  }

  // SetLearningRates applies the exponential decay of the learning rates for
  // the current step: a function of the step alone, so resuming keeps it.
  void SetLearningRates(int64_t total_steps) {
    const OptimizerSpec& o = config.optimizer;
    if (o.lr_decay_to >= 1) return;
    const double fraction =
        std::pow(o.lr_decay_to, static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, total_steps)));
    for (auto& group : opt_g->param_groups()) group.options().set_lr(o.lr_g * fraction);
    for (auto& group : opt_d->param_groups()) group.options().set_lr(o.lr_d * fraction);
  }

  StepLosses Step(const GanTrainingData& data) {
    at::Generator gen = SeededGenerator(seed, kStepLabel, static_cast<uint64_t>(step));
    SetDropoutGenerator(gen);
    g.module->train();
    d.module->train();
    StepLosses losses;
    const int64_t rows = data.train_targets.size(0);
    torch::Tensor real, cond;
    for (int k = 0; k < config.n_critic; ++k) {
      const torch::Tensor idx = BatchRows(step * config.n_critic + k, rows);
      real = data.train_targets.index_select(0, idx).to(device);
      cond = data.train_conditions.index_select(0, idx).to(device);
      const torch::Tensor z = DrawNoise(noise, idx.size(0), gen).to(device);
      torch::Tensor fake;
      {
        torch::NoGradGuard no_grad;
        fake = g.forward(torch::cat({z, cond}, 1));
      }
      const torch::Tensor loss_d = DiscriminatorLoss(config, d, real, fake, cond, gen, losses.penalty);
      opt_d->zero_grad();
      loss_d.backward();
      opt_d->step();
      if (config.kind == "wgan-clip") ClipParameters(*d.module, config.clip);
      losses.d = loss_d.item<double>();
    }
    const torch::Tensor z = DrawNoise(noise, real.size(0), gen).to(device);
    const torch::Tensor fake = g.forward(torch::cat({z, cond}, 1));
    torch::Tensor loss_g = GeneratorLoss(config, Critic(d, fake, cond));
    losses.g = loss_g.item<double>();
    if (mmd && !mmd->empty()) {
      const double lambda = config.MmdLambdaAt(step);
      // Still logged while its weight is 0, without building its graph.
      std::optional<torch::NoGradGuard> no_grad;
      if (lambda == 0) no_grad.emplace();
      const torch::Tensor m = mmd->Loss(real, fake, &losses.mmd_parts);
      losses.mmd = m.item<double>();
      if (lambda > 0) loss_g = loss_g + lambda * m;
    }
    opt_g->zero_grad();
    // The generator step must not move the discriminator: its gradients are
    // cleared before its next own step, so only opt_g steps here.
    loss_g.backward();
    opt_g->step();
    UpdateAverage();
    SetDropoutGenerator(std::nullopt);
    ++step;
    return losses;
  }

  // UpdateAverage moves the averaged generator towards the trained one
  // (weight_average.h).
  void UpdateAverage() { UpdateWeightAverage(*g.module, config.optimizer.generator_ema, step, &ema); }

  // Validate returns the validation metric, or -1 without validation rows.
  double Validate(const GanTrainingData& data) {
    const int64_t rows = data.validation_targets.size(0);
    if (rows == 0) return -1;
    g.module->eval();
    at::Generator gen = SeededGenerator(seed, kValidationLabel, 0);
    const torch::Tensor z = DrawNoise(noise, rows, gen);
    c10::optional<at::Generator> dropout;
    if (config.sampling_dropout) dropout = gen;
    const torch::Tensor fake = RunGenerator(g, z, data.validation_conditions, device, dropout);
    g.module->train();
    double metric = ValidationMetric(data.validation_targets, fake, data.validation_conditions,
                                     config.validation.tail_quantiles);
    metric += config.validation.correlation_weight * CorrelationDistance(data.validation_targets, fake);
    // Weighted as in the generator loss at full weight (also during the
    // ramp, so generators from before it do not look best): with a large
    // weight the metric would prefer a generator collapsed onto the right masses.
    if (mmd && !mmd->empty()) metric += config.mmd_lambda * HeldOutMmd(data.validation_targets, fake);
    return metric;
  }

  // HeldOutMmd is the generator's MMD loss (the terms and kernels it trains
  // on) between held-out and generated events, averaged over blocks of
  // kMmdBlock rows: a model trained for sharp resonances is validated on
  // them too. An earlier W1 of the masses was dominated by the far tails,
  // which neither the kernels nor a peak fit see, and picked generators from
  // the first few hundred steps whose peaks were too wide.
  double HeldOutMmd(const torch::Tensor& real, const torch::Tensor& fake) const {
    torch::NoGradGuard no_grad;
    constexpr int64_t kMmdBlock = 2048;
    const int64_t blocks = std::max<int64_t>(1, real.size(0) / kMmdBlock);
    double sum = 0;
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t begin = b * kMmdBlock, end = std::min(real.size(0), begin + kMmdBlock);
      sum += mmd->Loss(real.slice(0, begin, end), fake.slice(0, begin, end), nullptr).item<double>();
    }
    return sum / static_cast<double>(blocks);
  }

  // Evaluate validates and updates the best generator; returns the metric.
  double Evaluate(const GanTrainingData& data) {
    // With averaging the average is validated (and kept as the best), while
    // training continues from the trained weights.
    std::vector<torch::Tensor> trained;
    if (!ema.empty()) {
      trained = GeneratorState();
      SetGeneratorState(ema);
    }
    const double metric = Compare(data);
    if (!trained.empty()) SetGeneratorState(trained);
    return metric;
  }

  // Compare validates the current generator and keeps it if it is the best.
  double Compare(const GanTrainingData& data) {
    const double metric = Validate(data);
    if (metric < 0) return metric;
    // An improvement must exceed a relative 1e-4, so numerical jitter of a
    // stalled run does not reset the patience.
    if (best_metric < 0 || metric < best_metric * (1 - 1e-4)) {
      best_metric = metric;
      best_step = step;
      best_generator = GeneratorState();
      stale_evaluations = 0;
    } else {
      ++stale_evaluations;
    }
    return metric;
  }

  void Save(const std::string& path) const {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive ga, da, oga, oda;
    g.module->save(ga);
    d.module->save(da);
    opt_g->save(oga);
    opt_d->save(oda);
    archive.write("generator", ga);
    archive.write("discriminator", da);
    archive.write("optimizer_g", oga);
    archive.write("optimizer_d", oda);
    WriteNumber(archive, "step", static_cast<double>(step));
    WriteNumber(archive, "best_metric", best_metric);
    WriteNumber(archive, "best_step", static_cast<double>(best_step));
    WriteNumber(archive, "stale_evaluations", static_cast<double>(stale_evaluations));
    WriteTensorList(archive, "best_generator_size", "best_generator_", best_generator);
    WriteTensorList(archive, "ema_size", "ema_", ema);
    SaveArchiveAtomically(archive, path);
  }

  void Load(const std::string& path) {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    torch::serialize::InputArchive ga, da, oga, oda;
    archive.read("generator", ga);
    archive.read("discriminator", da);
    archive.read("optimizer_g", oga);
    archive.read("optimizer_d", oda);
    g.module->load(ga);
    d.module->load(da);
    opt_g->load(oga);
    opt_d->load(oda);
    step = static_cast<int64_t>(ReadNumber(archive, "step"));
    best_metric = ReadNumber(archive, "best_metric");
    best_step = static_cast<int64_t>(ReadNumber(archive, "best_step"));
    stale_evaluations = static_cast<int64_t>(ReadNumber(archive, "stale_evaluations"));
    best_generator = ReadTensorList(archive, "best_generator_size", "best_generator_");
    // Checkpoints written before averaging existed carry no "ema_size".
    torch::Tensor ema_size;
    ema.clear();
    if (archive.try_read("ema_size", ema_size)) ema = ReadTensorList(archive, "ema_size", "ema_");
  }
};

GanTrainer::GanTrainer(const GanConfig& config, NoiseSpec noise, Network generator,
                       Network discriminator, const MmdTerms* mmd, torch::Device device)
    : state_(std::make_unique<State>(config, std::move(noise), std::move(generator),
                                     std::move(discriminator), mmd, device)) {
  State& s = *state_;
  s.g.module->to(device);
  s.d.module->to(device);
  s.opt_g = MakeOptimizer(config.optimizer, config.optimizer.lr_g, s.g.module->parameters());
  s.opt_d = MakeOptimizer(config.optimizer, config.optimizer.lr_d, s.d.module->parameters());
}

GanTrainer::~GanTrainer() = default;

namespace {

int64_t TotalSteps(const GanConfig& config, int64_t rows) {
  if (config.epochs <= 0) return config.steps;
  const int64_t per_epoch = std::max<int64_t>(1, rows / config.batch_size);
  return config.epochs * ((per_epoch + config.n_critic - 1) / config.n_critic);
}

// LossAverages accumulates the losses between two progress reports.
struct LossAverages {
  std::map<std::string, double> sums;
  int64_t count = 0;
  void Add(const StepLosses& l, const std::string& kind) {
    sums["d"] += l.d;
    sums["g"] += l.g;
    if (kind == "wgan-gp" || kind == "rjs-gan") sums["penalty"] += l.penalty;
    if (!l.mmd_parts.empty()) sums["mmd"] += l.mmd;
    for (const auto& [name, v] : l.mmd_parts) sums[name] += v;
    ++count;
  }
  std::map<std::string, double> Take() {
    std::map<std::string, double> out;
    for (const auto& [k, v] : sums) out[k] = v / std::max<int64_t>(1, count);
    sums.clear();
    count = 0;
    return out;
  }
};

}  // namespace

absl::StatusOr<GanTrainingResult> GanTrainer::Run(const GanTrainingData& data, const FitContext& ctx) {
  State& s = *state_;
  s.seed = ctx.seed;
  const int64_t total = TotalSteps(s.config, data.train_targets.size(0));
  CheckpointSchedule checkpoints(ctx, s.config.checkpoint_every);
  const CheckpointSchedule::Io save = [&s](const std::string& path) { s.Save(path); };
  EVGEN_RETURN_IF_ERROR(checkpoints.Resume([&s](const std::string& path) { s.Load(path); }));
  const int64_t first_step = s.step;
  const int64_t report_every = std::max<int64_t>(1, std::min<int64_t>(100, total / 100));
  const auto start = Clock::now();
  LossAverages averages;
  GanTrainingResult result;
  double metric = s.best_metric;
  checkpoints.Begin(s.step);
  while (s.step < total) {
    if (ctx.cancelled()) return checkpoints.Cancel(s.step, save);
    s.SetLearningRates(total);
    averages.Add(s.Step(data), s.config.kind);
    const bool validate = s.step % s.config.validation.every == 0 || s.step == total;
    if (validate) metric = s.Evaluate(data);
    const bool stop_early = s.config.validation.patience > 0 &&
                            s.stale_evaluations >= s.config.validation.patience;
    checkpoints.AfterStep(s.step, total, stop_early, save);
    if (s.step % report_every == 0 || s.step == total || validate || stop_early) {
      TrainingProgress p;
      p.step = s.step;
      p.total_steps = total;
      p.losses = averages.Take();
      p.validation_metric = metric;
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const double done = static_cast<double>(s.step - first_step);
      p.events_per_second = elapsed > 0 ? done * s.config.batch_size * s.config.n_critic / elapsed : -1;
      p.eta_seconds = done > 0 ? elapsed * (total - s.step) / done : -1;
      if (stop_early) p.message = absl::StrCat("early stop: best validation at step ", s.best_step);
      ctx.on_progress(p);
    }
    if (stop_early) {
      result.stopped_early = true;
      break;
    }
  }
  if (!s.best_generator.empty()) {
    s.SetGeneratorState(s.best_generator);
  } else if (!s.ema.empty()) {
    s.SetGeneratorState(s.ema);
  }
  s.g.module->eval();
  result.steps_done = s.step;
  result.best_validation_metric = s.best_metric;
  result.best_step = s.best_step;
  return result;
}

}  // namespace evgen
