#include "core/models/cloud/cloud_trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <utility>
#include <vector>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/models/cloud/cloud_constants.h"
#include "core/models/cloud/jet_efps.h"
#include "core/models/cloud/jet_features.h"
#include "core/models/gan/gan_losses.h"
#include "core/models/nn/checkpoint_archive.h"
#include "core/models/nn/checkpoint_schedule.h"
#include "core/models/nn/gumbel_softmax.h"
#include "core/models/nn/set_mask.h"
#include "core/models/nn/weight_average.h"
#include "core/models/nn/whitening.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

using Clock = std::chrono::steady_clock;

at::Generator SeededGenerator(uint64_t seed, uint64_t label, uint64_t index) {
  return at::make_generator<at::CPUGeneratorImpl>(DeriveSeed(seed ^ label, index));
}

// FakeJets: a generated batch, sizes as straight-through one-hots and
// members of the given (real) sizes.
struct FakeJets {
  torch::Tensor one_hot, members;
};

struct StepLosses {
  std::map<std::string, double> values;
};

}  // namespace

double MultiplicityW1(const torch::Tensor& a, const torch::Tensor& b) {
  const int64_t top = std::max(a.max().item<int64_t>(), b.max().item<int64_t>()) + 1;
  const torch::Tensor ca = torch::bincount(a.to(torch::kLong), {}, top).to(torch::kFloat64) / a.numel();
  const torch::Tensor cb = torch::bincount(b.to(torch::kLong), {}, top).to(torch::kFloat64) / b.numel();
  return (ca.cumsum(0) - cb.cumsum(0)).abs().sum().item<double>();
}

struct CloudTrainer::State {
  CloudConfig config;
  CloudGenerator g;
  CloudDiscriminator d;
  torch::Device device;
  uint64_t seed = 0;
  std::unique_ptr<torch::optim::RMSprop> opt_g, opt_d;
  // Checkpointed besides networks and optimisers.
  int64_t step = 0;
  double metric = -1;
  double best_metric = -1;
  int64_t best_step = -1;
  std::vector<torch::Tensor> best_sizes;  // the sizes stage's parameters then buffers
  std::vector<torch::Tensor> members_average;  // config.generator_ema's, same layout
  // Derived, not checkpointed: the current epoch's permutation, and with
  // config.efp_mmd the EFPs' (and shapes') standardisation and whitening
  // over the training jets.
  int64_t cached_epoch = -1;
  torch::Tensor permutation;
  std::optional<JetEfpMap> efp_mmd;
  std::optional<JetFeatureMap> mmd_shapes;
  std::optional<Whitening> mmd_whitening;

  State(const CloudConfig& c, CloudGenerator gen, CloudDiscriminator dis, torch::Device dev)
      : config(c), g(std::move(gen)), d(std::move(dis)), device(dev) {}

  // BatchJets returns the jets of batch `index`: epochs are seeded
  // permutations, so a batch depends only on (seed, index).
  torch::Tensor BatchJets(int64_t index, int64_t jets) {
    const int64_t per_epoch = std::max<int64_t>(1, jets / config.batch_size);
    const int64_t epoch = index / per_epoch;
    if (epoch != cached_epoch) {
      at::Generator gen = SeededGenerator(seed, cloud::kEpochLabel, static_cast<uint64_t>(epoch));
      permutation = torch::randperm(jets, gen, torch::kLong);
      cached_epoch = epoch;
    }
    const int64_t begin = (index % per_epoch) * config.batch_size;
    return permutation.slice(0, begin, std::min(jets, begin + config.batch_size));
  }

  // Generate draws a fake batch of `sizes` [B] jets padded to n members.
  FakeJets Generate(at::Generator& gen, const torch::Tensor& sizes, int64_t n, const torch::Tensor& cond,
                    const torch::Tensor& mask) {
    const int64_t b = sizes.size(0);
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    FakeJets fake;
    fake.one_hot = GenerateSizes(gen, cond);  // draws first: noise, then Gumbel uniforms
    const torch::Tensor z_set = torch::randn({b, config.global_noise_dim}, gen, f32).to(device);
    const torch::Tensor z_members = torch::randn({b, n, config.member_noise_dim}, gen, f32).to(device);
    fake.members = g->Members(z_members, z_set, sizes, cond, mask);
    return fake;
  }

  // SizesBatch: what the sizes stage compares in a step, real sizes as
  // one-hots, their conditions and the generated sizes for them.
  struct SizesBatch {
    torch::Tensor real_one_hot, cond, fake_one_hot;
  };

  // OwnSizesBatch draws config.sizes_batch_size jets with replacement and as
  // many generated sizes, from a stream of their own (the jet batch's draws
  // stay as without it).
  SizesBatch OwnSizesBatch(const JetSets& data, at::Generator& gen) {
    const int64_t b = config.sizes_batch_size;
    const torch::Tensor idx = torch::randint(data.sizes.size(0), {b}, gen, torch::kLong);
    SizesBatch out;
    out.real_one_hot = torch::one_hot(data.sizes.index_select(0, idx) - 1, config.max_constituents)
                           .to(torch::kFloat32)
                           .to(device);
    out.cond = data.conditions.index_select(0, idx).to(device);
    out.fake_one_hot = GenerateSizes(gen, out.cond);
    return out;
  }

  torch::Tensor GenerateSizes(at::Generator& gen, const torch::Tensor& cond) {
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    const int64_t b = cond.size(0);
    const torch::Tensor z = torch::randn({b, config.global_noise_dim}, gen, f32).to(device);
    const torch::Tensor u = torch::rand({b, config.max_constituents}, gen, f32)
                                .clamp(cloud::kUniformGuard, 1 - cloud::kUniformGuard)
                                .to(device);
    return GumbelSoftmaxStraightThrough(g->SizeLogits(z, cond), u, config.tau);
  }

  // SizesFor returns the sizes stage's batch: the jet batch's own sizes, or
  // with sizes_batch_size a batch of its own.
  SizesBatch SizesFor(const JetSets& data, at::Generator& sizes_gen, const torch::Tensor& real_one_hot,
                      const torch::Tensor& cond, const FakeJets& fake) {
    if (config.sizes_batch_size == 0) return {real_one_hot, cond, fake.one_hot};
    return OwnSizesBatch(data, sizes_gen);
  }

  // SizeScores scores real and fake sizes in one batch. The sizes
  // discriminator has batch norm; given real and fake one-hots in separate
  // batches it told them apart by the batch statistics alone, its loss fell
  // to 0.006 and the multiplicity W1 of the small preset grew from 1.9 (step
  // 300) to 12 (step 2000). Returns the real half and the fake half.
  std::pair<torch::Tensor, torch::Tensor> SizeScores(const torch::Tensor& real, const torch::Tensor& fake,
                                                     const torch::Tensor& cond) {
    const torch::Tensor scores = d->SizeScore(torch::cat({real, fake}), torch::cat({cond, cond}));
    return {scores.slice(0, 0, real.size(0)), scores.slice(0, real.size(0))};
  }

  StepLosses Step(const JetSets& data) {
    at::Generator gen = SeededGenerator(seed, cloud::kStepLabel, static_cast<uint64_t>(step));
    at::Generator sizes_gen = SeededGenerator(seed, cloud::kSizesBatchLabel, static_cast<uint64_t>(step));
    g->train();
    d->train();
    const torch::Tensor idx = BatchJets(step, data.sizes.size(0));
    const torch::Tensor sizes = data.sizes.index_select(0, idx).to(device);
    const int64_t n = data.sizes.index_select(0, idx).max().item<int64_t>();
    const torch::Tensor real = data.members.index_select(0, idx).slice(1, 0, n).to(device);
    const torch::Tensor cond = data.conditions.index_select(0, idx).to(device);
    const torch::Tensor mask = SizeMask(sizes, n);
    const torch::Tensor real_one_hot = torch::one_hot(sizes - 1, config.max_constituents).to(torch::kFloat32);
    StepLosses losses;
    {
      FakeJets fake;
      SizesBatch sb;
      {
        torch::NoGradGuard no_grad;
        fake = Generate(gen, sizes, n, cond, mask);
        sb = SizesFor(data, sizes_gen, real_one_hot, cond, fake);
      }
      const auto [real_score, fake_score] = SizeScores(sb.real_one_hot, sb.fake_one_hot, sb.cond);
      const torch::Tensor d_sizes = LsganDiscriminatorLoss(real_score, fake_score, config.lsgan_a, config.lsgan_b);
      const torch::Tensor d_set = LsganDiscriminatorLoss(d->SetScore(real, mask, sizes, cond),
                                                         d->SetScore(fake.members, mask, sizes, cond),
                                                         config.lsgan_a, config.lsgan_b);
      opt_d->zero_grad();
      (d_sizes + d_set).backward();
      opt_d->step();
      losses.values["d_sizes"] = d_sizes.item<double>();
      losses.values["d_set"] = d_set.item<double>();
    }
    if (config.GeneratorStep(step)) {
      const FakeJets fake = Generate(gen, sizes, n, cond, mask);
      const SizesBatch sb = SizesFor(data, sizes_gen, real_one_hot, cond, fake);
      const torch::Tensor g_sizes =
          LsganGeneratorLoss(SizeScores(sb.real_one_hot, sb.fake_one_hot, sb.cond).second, config.lsgan_c);
      const torch::Tensor g_set = LsganGeneratorLoss(d->SetScore(fake.members, mask, sizes, cond), config.lsgan_c);
      torch::Tensor g_loss = g_sizes + g_set;
      if (efp_mmd) {
        const torch::Tensor mmd = EfpMmd(real, fake.members, mask);
        g_loss = g_loss + config.efp_mmd_weight * mmd;
        losses.values["g_efp_mmd"] = mmd.item<double>();
      }
      opt_g->zero_grad();
      // Only opt_g steps here; the discriminators' gradients from this
      // backward are cleared before their next own step.
      g_loss.backward();
      opt_g->step();
      UpdateWeightAverage(g->members(), config.generator_ema, step, &members_average);
      losses.values["g_sizes"] = g_sizes.item<double>();
      losses.values["g_set"] = g_set.item<double>();
    }
    ++step;
    return losses;
  }

  // EfpMmd: MMD^2 between the real and generated jets' standardised log
  // EFPs (config.efp_mmd), and shapes with efp_mmd.shapes; the gradient
  // flows into the generated ones only. Paired: generated jet i has real
  // jet i's size and conditions.
  torch::Tensor EfpMmd(const torch::Tensor& real, const torch::Tensor& fake, const torch::Tensor& mask) {
    torch::Tensor real_points;
    {
      torch::NoGradGuard no_grad;
      real_points = MmdPoints(real, mask);
    }
    return Mmd2Rows(MmdPoints(fake, mask), real_points, MmdLossKernel::kGaussian, config.efp_mmd_widths,
                    /*paired=*/true);
  }

  // MmdPoints: each jet's point in the MMD's space, [B, EFPs (+ 2 shapes)],
  // whitened with efp_mmd.whiten.
  torch::Tensor MmdPoints(const torch::Tensor& members, const torch::Tensor& mask) {
    const torch::Tensor points = UnwhitenedMmdPoints(members, mask);
    return mmd_whitening ? Whiten(points, *mmd_whitening) : points;
  }

  torch::Tensor UnwhitenedMmdPoints(const torch::Tensor& members, const torch::Tensor& mask) {
    const torch::Tensor efps = JetEfps(members, mask, *efp_mmd);
    return mmd_shapes ? torch::cat({efps, JetFeatures(members, mask, *mmd_shapes)}, 1) : efps;
  }

  // Evaluate returns the multiplicity W1 on a fixed seeded subset of jets.
  double Evaluate(const JetSets& data) {
    torch::NoGradGuard no_grad;
    const int64_t jets = data.sizes.size(0);
    at::Generator gen = SeededGenerator(seed, cloud::kEvaluationLabel, 0);
    const torch::Tensor idx =
        torch::randperm(jets, gen, torch::kLong).slice(0, 0, std::min(jets, cloud::kEvaluationJets));
    const torch::Tensor cond = data.conditions.index_select(0, idx).to(device);
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    const torch::Tensor z = torch::randn({idx.size(0), config.global_noise_dim}, gen, f32).to(device);
    const torch::Tensor u = torch::rand({idx.size(0), config.max_constituents}, gen, f32)
                                .clamp(cloud::kUniformGuard, 1 - cloud::kUniformGuard)
                                .to(device);
    const torch::Tensor fake = GumbelArgmax(g->SizeLogits(z, cond), u).to(torch::kCPU) + 1;
    return MultiplicityW1(fake, data.sizes.index_select(0, idx));
  }

  std::vector<torch::Tensor> SizesState() { return ModuleWeights(g->sizes()); }

  void SetSizesState(const std::vector<torch::Tensor>& values) { SetModuleWeights(g->sizes(), values); }

  // KeepIfBest keeps the sizes stage when the metric improved by more than
  // a relative 1e-4 (jitter of a stalled run does not count).
  void KeepIfBest() {
    if (metric < 0 || (best_metric >= 0 && metric >= best_metric * (1 - 1e-4))) return;
    best_metric = metric;
    best_step = step;
    best_sizes = SizesState();
  }

  void Save(const std::string& path) const {
    torch::serialize::OutputArchive archive, ga, da, oga, oda;
    g->save(ga);
    d->save(da);
    opt_g->save(oga);
    opt_d->save(oda);
    archive.write("generator", ga);
    archive.write("discriminator", da);
    archive.write("optimizer_g", oga);
    archive.write("optimizer_d", oda);
    WriteNumber(archive, "step", static_cast<double>(step));
    WriteNumber(archive, "metric", metric);
    WriteNumber(archive, "best_metric", best_metric);
    WriteNumber(archive, "best_step", static_cast<double>(best_step));
    WriteTensorList(archive, "best_sizes_size", "best_sizes_", best_sizes);
    WriteTensorList(archive, "members_average_size", "members_average_", members_average);
    SaveArchiveAtomically(archive, path);
  }

  void Load(const std::string& path) {
    torch::serialize::InputArchive archive, ga, da, oga, oda;
    archive.load_from(path, device);
    archive.read("generator", ga);
    archive.read("discriminator", da);
    archive.read("optimizer_g", oga);
    archive.read("optimizer_d", oda);
    g->load(ga);
    d->load(da);
    opt_g->load(oga);
    opt_d->load(oda);
    step = static_cast<int64_t>(ReadNumber(archive, "step"));
    metric = ReadNumber(archive, "metric");
    best_metric = ReadNumber(archive, "best_metric");
    best_step = static_cast<int64_t>(ReadNumber(archive, "best_step"));
    best_sizes = ReadTensorList(archive, "best_sizes_size", "best_sizes_");
    // Checkpoints written before averaging existed carry no average.
    torch::Tensor average_size;
    members_average.clear();
    if (archive.try_read("members_average_size", average_size)) {
      members_average = ReadTensorList(archive, "members_average_size", "members_average_");
    }
  }
};

CloudTrainer::CloudTrainer(const CloudConfig& config, CloudGenerator generator, CloudDiscriminator discriminator,
                           torch::Device device)
    : state_(std::make_unique<State>(config, std::move(generator), std::move(discriminator), device)) {
  State& s = *state_;
  s.g->to(device);
  s.d->to(device);
  auto options = [&config](double lr) { return torch::optim::RMSpropOptions(lr).alpha(config.rmsprop_alpha); };
  s.opt_g = std::make_unique<torch::optim::RMSprop>(s.g->parameters(), options(config.lr_g));
  s.opt_d = std::make_unique<torch::optim::RMSprop>(s.d->parameters(), options(config.lr_d));
}

CloudTrainer::~CloudTrainer() = default;

namespace {

// LossAverages accumulates the losses between two progress reports.
struct LossAverages {
  std::map<std::string, double> sums;
  std::map<std::string, int64_t> counts;
  void Add(const StepLosses& l) {
    for (const auto& [k, v] : l.values) {
      sums[k] += v;
      ++counts[k];
    }
  }
  std::map<std::string, double> Take() {
    std::map<std::string, double> out;
    for (const auto& [k, v] : sums) out[k] = v / static_cast<double>(std::max<int64_t>(1, counts[k]));
    sums.clear();
    counts.clear();
    return out;
  }
};

}  // namespace

absl::StatusOr<CloudTrainingResult> CloudTrainer::Run(const JetSets& data, const FitContext& ctx) {
  State& s = *state_;
  s.seed = ctx.seed;
  const int64_t total = s.config.steps;
  CheckpointSchedule checkpoints(ctx, s.config.checkpoint_every);
  const CheckpointSchedule::Io save = [&s](const std::string& path) { s.Save(path); };
  EVGEN_RETURN_IF_ERROR(checkpoints.Resume([&s](const std::string& path) { s.Load(path); }));
  const int64_t first_step = s.step;
  if (s.config.efp_mmd_weight > 0 && !s.efp_mmd) {
    EVGEN_ASSIGN_OR_RETURN(s.efp_mmd, FitJetEfpMap(s.config, data, "efp_mmd", s.config.efp_mmd_edges));
  }
  if (s.config.efp_mmd_weight > 0 && s.config.efp_mmd_shapes && !s.mmd_shapes) {
    EVGEN_ASSIGN_OR_RETURN(s.mmd_shapes, FitJetFeatureMap(s.config, data, false, true, "efp_mmd.shapes"));
  }
  if (s.config.efp_mmd_weight > 0 && s.config.efp_mmd_whiten && !s.mmd_whitening) {
    const torch::Tensor points = RowsOver(data, [&s](const torch::Tensor& members, const torch::Tensor& mask) {
      return s.UnwhitenedMmdPoints(members, mask);
    });
    EVGEN_ASSIGN_OR_RETURN(s.mmd_whitening, FitWhitening(points, "efp_mmd.whiten"));
  }
  const int64_t report_every = std::max<int64_t>(1, std::min<int64_t>(100, total / 100));
  const auto start = Clock::now();
  LossAverages averages;
  checkpoints.Begin(s.step);
  while (s.step < total) {
    if (ctx.cancelled()) return checkpoints.Cancel(s.step, save);
    averages.Add(s.Step(data));
    const bool evaluate = s.step % s.config.evaluate_every == 0 || s.step == total;
    if (evaluate) {
      s.metric = s.Evaluate(data);
      s.KeepIfBest();
    }
    checkpoints.AfterStep(s.step, total, false, save);
    if (s.step % report_every == 0 || s.step == total || evaluate) {
      TrainingProgress p;
      p.step = s.step;
      p.total_steps = total;
      p.losses = averages.Take();
      p.validation_metric = s.metric;
      p.has_validation_metric = s.metric >= 0;
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const double done = static_cast<double>(s.step - first_step);
      p.events_per_second = elapsed > 0 ? done * static_cast<double>(s.config.batch_size) / elapsed : -1;
      p.eta_seconds = done > 0 ? elapsed * static_cast<double>(total - s.step) / done : -1;
      if (s.metric >= 0) p.message = absl::StrCat("multiplicity W1 ", s.metric);
      ctx.on_progress(p);
    }
  }
  if (!s.best_sizes.empty()) s.SetSizesState(s.best_sizes);
  if (!s.members_average.empty()) SetModuleWeights(s.g->members(), s.members_average);
  s.g->eval();
  CloudTrainingResult result;
  result.steps_done = s.step;
  result.multiplicity_w1 = s.best_metric;
  result.best_step = s.best_step;
  return result;
}

}  // namespace evgen
