#include "core/models/gan/gan_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <mutex>

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/data/table_tensor.h"
#include "core/data/transforms.h"
#include "core/io/atomic_file.h"
#include "core/models/gan/gan_config.h"
#include "core/models/gan/mmd_terms.h"
#include "core/models/nn/circle_layer.h"
#include "core/models/nn/mlp.h"
#include "core/models/nn/noise.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/models/gan/gan_trainer.h"

namespace evgen {
namespace {

using nlohmann::json;

constexpr uint64_t kSplitLabel = 0x53504c4954000000ULL;
constexpr uint64_t kInitLabel = 0x494e495400000000ULL;
constexpr uint64_t kDropoutLabel = 0x44524f5000000000ULL;
constexpr uint64_t kNoiseLabel = 0x4e4f495345000000ULL;
constexpr uint64_t kPhaseLabel = 0x5048415345000000ULL;
// Sampling runs the generator on passes of exactly B rows
// (config.sample_block_rows), one per block of absolute rows [k B, (k + 1) B).
// BLAS kernels may sum in a different order for a different batch size or
// another row position, so a fixed pass size, with row r always at position
// (r mod B + phase(seed)) mod B, is what makes row r's value independent of
// how a request is cut into chunks and of which other requests share its pass
// (rows outside the requests are zero padding).
//
// Models saved before sample_block_rows was a key sampled with this B.
constexpr int64_t kSavedBlockBefore = 4096;

// PassSpan: `rows` consecutive rows of one request, from absolute row
// first_row of its noise and dropout streams, at pass rows
// [position, position + rows); `cond` holds their standardized conditions.
struct PassSpan {
  uint64_t noise_key = 0, dropout_key = 0;
  int64_t first_row = 0, position = 0, rows = 0;
  torch::Tensor cond;
};

json DefaultTransforms(const std::vector<std::string>& targets) {
  return json::array({{{"kind", "standardize"}, {"columns", targets}}});
}

class GanModel final : public Model {
 public:
  GanModel(GanConfig config, NoiseSpec noise, MlpSpec g_spec, MlpSpec d_spec)
      : config_(std::move(config)), noise_(std::move(noise)), g_spec_(std::move(g_spec)),
        d_spec_(std::move(d_spec)) {
    if (config_.transforms.empty()) config_.transforms = DefaultTransforms(config_.target_columns);
  }

  std::string kind() const override { return config_.kind; }
  const std::vector<std::string>& condition_columns() const override { return config_.condition_columns; }
  const std::vector<std::string>& target_columns() const override { return config_.target_columns; }
  std::vector<ConditionRange> condition_ranges() const override { return cond_range_; }
  int64_t sample_block_rows() const override { return config_.sample_block_rows; }
  int64_t sample_block_phase(uint64_t seed) const override {
    const auto block = static_cast<uint64_t>(config_.sample_block_rows);
    return static_cast<int64_t>(DeriveSeed(seed, kPhaseLabel) % block);
  }

  absl::Status Fit(const Table& train, const FitContext& ctx) override;
  absl::StatusOr<Table> Sample(const Table& conditions, int64_t rows, uint64_t seed,
                               int64_t first_row) const override;
  std::vector<absl::StatusOr<Table>> SampleShared(const std::vector<SampleShare>& shares) const override;
  absl::StatusOr<std::unique_ptr<Model>> ForInference(const InferenceTarget& target) const override;
  InferenceCheck inference_check() const override { return check_; }
  json Describe() const override;
  absl::Status Save(const std::string& dir) const override;
  absl::Status Load(const std::string& dir) override;

 private:
  Table CheckConditions(int64_t rows) const;
  absl::Status CheckAgainst(const GanModel& reference, const InferenceTarget& target);
  absl::StatusOr<Table> ModelSpace(const Table& train);
  void FitConditionScaling(const Table& space);
  torch::Tensor Conditions(const Table& table, int64_t rows) const;
  torch::Tensor GenerateAligned(const torch::Tensor& conditions, uint64_t seed, int64_t first_row) const;
  void AppendSpans(const torch::Tensor& cond, uint64_t seed, int64_t first_row, std::vector<PassSpan>* spans) const;
  torch::Tensor RunPass(const std::vector<PassSpan>& spans) const;
  absl::StatusOr<Table> Finish(const Table& conditions, const torch::Tensor& generated) const;
  Network BuildGenerator();
  Network BuildDiscriminator();
  absl::StatusOr<GanTrainingData> Split(const Table& space, uint64_t seed) const;

  GanConfig config_;
  NoiseSpec noise_;
  MlpSpec g_spec_, d_spec_;
  TransformChain chain_;
  std::vector<std::string> model_columns_;  // generator outputs (model space)
  std::vector<double> cond_mean_, cond_scale_;
  // The training rows' condition ranges; empty for models saved before
  // they were recorded.
  std::vector<ConditionRange> cond_range_;
  Network generator_;
  json fit_summary_ = json::object();
  bool fitted_ = false;
  // Where the generator runs and in which precision (ForInference); the
  // stored model is float32 on the CPU.
  std::string device_ = "cpu";
  torch::ScalarType dtype_ = torch::kFloat32;
  json inference_check_ = json::object();
  InferenceCheck check_;
};

// InitMutex guards LibTorch's global generator while networks are built:
// initial weights come from it, so concurrent jobs stay reproducible only if
// seeding and building happen under one lock.
std::mutex& InitMutex() {
  static std::mutex mu;
  return mu;
}

// PrecisionType maps a precision name to its LibTorch type. float16 has no
// CPU matrix kernels in LibTorch, so it is refused there.
absl::StatusOr<torch::ScalarType> PrecisionType(const InferenceTarget& target) {
  if (target.precision == "fp32") return torch::kFloat32;
  if (target.precision == "bf16") return torch::kBFloat16;
  if (target.precision == "fp16") {
    if (target.device == "cpu") {
      return absl::InvalidArgumentError("precision: 'fp16' runs on a GPU only; on the cpu ask for bf16 or fp32");
    }
    return torch::kHalf;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("precision: '", target.precision, "' is not one of ", kPrecisions));
}

json RangesToJson(const std::vector<Model::ConditionRange>& ranges) {
  json out = json::array();
  for (const Model::ConditionRange& r : ranges) out.push_back({r.min, r.max});
  return out;
}

std::vector<Model::ConditionRange> RangesFromJson(const json& j) {
  std::vector<Model::ConditionRange> out;
  for (const json& r : j) out.push_back({r.at(0).get<double>(), r.at(1).get<double>()});
  return out;
}

absl::Status CheckHasColumns(const Table& table, const std::vector<std::string>& columns) {
  for (const std::string& c : columns) {
    if (!table.HasColumn(c)) {
      return absl::InvalidArgumentError(absl::StrCat("training data: no column '", c, "'; it has [",
                                                     absl::StrJoin(table.columns(), ", "), "]"));
    }
  }
  return absl::OkStatus();
}

// ModelSpace fits the chain on [targets, conditions] (a tail cut then drops
// the same rows from both) and returns the transformed table.
absl::StatusOr<Table> GanModel::ModelSpace(const Table& train) {
  std::vector<std::string> columns = config_.target_columns;
  columns.insert(columns.end(), config_.condition_columns.begin(), config_.condition_columns.end());
  EVGEN_ASSIGN_OR_RETURN(Table selected, train.SelectColumns(columns));
  EVGEN_ASSIGN_OR_RETURN(chain_, TransformChain::FromJson(config_.transforms));
  EVGEN_RETURN_IF_ERROR(chain_.Fit(selected, config_.condition_columns));
  EVGEN_ASSIGN_OR_RETURN(Table space, chain_.Forward(selected));
  model_columns_.clear();
  for (const std::string& c : space.columns()) {
    if (std::find(config_.condition_columns.begin(), config_.condition_columns.end(), c) ==
        config_.condition_columns.end()) {
      model_columns_.push_back(c);
    }
  }
  constexpr int64_t kMinRows = 10;
  if (space.num_rows() < kMinRows) {
    return absl::FailedPreconditionError(absl::StrCat("training data: ", space.num_rows(),
                                                      " rows after the transforms; need at least ", kMinRows));
  }
  return space;
}

void GanModel::FitConditionScaling(const Table& space) {
  cond_mean_.assign(config_.condition_columns.size(), 0);
  cond_scale_.assign(config_.condition_columns.size(), 1);
  cond_range_.assign(config_.condition_columns.size(), ConditionRange{});
  for (size_t k = 0; k < config_.condition_columns.size(); ++k) {
    const int c = *space.ColumnIndex(config_.condition_columns[k]);
    double sum = 0, sum2 = 0;
    ConditionRange& range = cond_range_[k];
    range.min = range.max = space.at(0, c);
    for (int64_t r = 0; r < space.num_rows(); ++r) {
      sum += space.at(r, c);
      sum2 += double(space.at(r, c)) * space.at(r, c);
      range.min = std::min<double>(range.min, space.at(r, c));
      range.max = std::max<double>(range.max, space.at(r, c));
    }
    const double n = static_cast<double>(space.num_rows());
    cond_mean_[k] = sum / n;
    const double var = std::max(0.0, sum2 / n - cond_mean_[k] * cond_mean_[k]);
    cond_scale_[k] = var > 0 ? std::sqrt(var) : 1.0;  // a constant condition stays 0
  }
}

// Conditions returns the standardized condition columns of `table` [rows, C].
// Conditions standardizes the condition columns of `rows` rows of `table`
// ([rows, 0] for an unconditional model, which reads nothing from it).
torch::Tensor GanModel::Conditions(const Table& table, int64_t rows) const {
  const int64_t n = static_cast<int64_t>(config_.condition_columns.size());
  torch::Tensor out = torch::empty({rows, n}, torch::kFloat32);
  float* p = out.data_ptr<float>();
  for (int64_t k = 0; k < n; ++k) {
    const int c = *table.ColumnIndex(config_.condition_columns[k]);
    for (int64_t r = 0; r < rows; ++r) {
      p[r * n + k] = static_cast<float>((table.at(r, c) - cond_mean_[k]) / cond_scale_[k]);
    }
  }
  return out;
}

// AppendSpans adds the spans of rows [first_row, first_row + cond.size(0))
// of stream `seed`, which lie within one block: one span, or two where the
// phase wraps them around the end of the pass.
void GanModel::AppendSpans(const torch::Tensor& cond, uint64_t seed, int64_t first_row,
                           std::vector<PassSpan>* spans) const {
  const int64_t rows = cond.size(0);
  const int64_t block = config_.sample_block_rows;
  const int64_t start = (first_row % block + sample_block_phase(seed)) % block;
  const int64_t before_wrap = std::min(rows, block - start);
  PassSpan span{DeriveSeed(seed, kNoiseLabel), DeriveSeed(seed, kDropoutLabel), first_row, start, before_wrap,
                cond.slice(0, 0, before_wrap)};
  spans->push_back(span);
  if (before_wrap == rows) return;
  span.first_row = first_row + before_wrap;
  span.position = 0;
  span.rows = rows - before_wrap;
  span.cond = cond.slice(0, before_wrap, rows);
  spans->push_back(span);
}

// RunPass runs the generator on one pass of sample_block_rows rows holding the
// spans' noise and conditions (zeros elsewhere) and returns its outputs.
torch::Tensor GanModel::RunPass(const std::vector<PassSpan>& spans) const {
  const int64_t dim = noise_.dim;
  const int64_t n_cond = static_cast<int64_t>(config_.condition_columns.size());
  // On a GPU the pass is assembled in pinned memory, so that its copy to the
  // device is asynchronous.
  const bool on_cpu = device_ == "cpu";
  torch::Tensor input = torch::zeros({config_.sample_block_rows, dim + n_cond},
                                     torch::TensorOptions(torch::kFloat32).pinned_memory(!on_cpu));
  std::vector<MlpImpl::KeyedRows> masks;
  for (const PassSpan& s : spans) {
    torch::Tensor rows = input.slice(0, s.position, s.position + s.rows);
    rows.slice(1, 0, dim).copy_(BlockNoise(noise_, s.noise_key, s.first_row, s.rows));
    if (n_cond > 0) rows.slice(1, dim, dim + n_cond).copy_(s.cond);
    masks.push_back({s.dropout_key, s.first_row, s.position, s.rows});
  }
  const bool dropout = config_.sampling_dropout && g_spec_.dropout > 0 && generator_.mlp;
  // No copy for float32 on the CPU: to() returns the tensor itself.
  input = input.to(torch::Device(device_), dtype_, /*non_blocking=*/!on_cpu);
  const torch::Tensor out = dropout ? generator_.mlp->ForwardWithKeyedDropout(input, masks) : generator_.forward(input);
  return out.to(torch::kCPU, torch::kFloat32);
}

torch::Tensor GanModel::GenerateAligned(const torch::Tensor& conditions, uint64_t seed,
                                        int64_t first_row) const {
  c10::InferenceMode inference;
  const int64_t rows = conditions.size(0);
  torch::Tensor out = torch::empty({rows, static_cast<int64_t>(model_columns_.size())}, torch::kFloat32);
  const int64_t size = config_.sample_block_rows;
  for (int64_t block = first_row / size * size; block < first_row + rows; block += size) {
    const int64_t begin = std::max(block, first_row);  // absolute rows [begin, end)
    const int64_t end = std::min(block + size, first_row + rows);
    std::vector<PassSpan> spans;
    AppendSpans(conditions.slice(0, begin - first_row, end - first_row), seed, begin, &spans);
    const torch::Tensor generated = RunPass(spans);
    for (const PassSpan& s : spans) {
      out.slice(0, s.first_row - first_row, s.first_row - first_row + s.rows)
          .copy_(generated.slice(0, s.position, s.position + s.rows));
    }
  }
  return out;
}

Network GanModel::BuildGenerator() {
  const int64_t inputs = noise_.dim + static_cast<int64_t>(config_.condition_columns.size());
  Mlp mlp(inputs, static_cast<int64_t>(model_columns_.size()), g_spec_);
  std::shared_ptr<MlpImpl> impl = mlp.ptr();
  return {impl, [impl](const torch::Tensor& x) { return impl->forward(x); }, impl};
}

Network GanModel::BuildDiscriminator() {
  const int64_t inputs = static_cast<int64_t>(model_columns_.size() + config_.condition_columns.size());
  if (config_.kind == "wgan-u1") {
    CircleMlp circle(inputs, d_spec_.hidden, d_spec_.activation);
    std::shared_ptr<CircleMlpImpl> impl = circle.ptr();
    return {impl, [impl](const torch::Tensor& x) { return impl->forward(x); }, nullptr};
  }
  Mlp mlp(inputs, 1, d_spec_);
  std::shared_ptr<MlpImpl> impl = mlp.ptr();
  return {impl, [impl](const torch::Tensor& x) { return impl->forward(x); }, impl};
}

// Split holds out a seeded fraction of rows (at most validation.rows) for
// validation; a row's side depends only on (seed, row).
absl::StatusOr<GanTrainingData> GanModel::Split(const Table& space, uint64_t seed) const {
  std::vector<int64_t> train_rows, validation_rows;
  const double fraction = config_.validation.fraction;
  for (int64_t r = 0; r < space.num_rows(); ++r) {
    CounterRng rng(seed ^ kSplitLabel, static_cast<uint64_t>(r));
    const bool held_out = rng.Uniform() < fraction &&
                          static_cast<int64_t>(validation_rows.size()) < config_.validation.rows;
    (held_out ? validation_rows : train_rows).push_back(r);
  }
  EVGEN_ASSIGN_OR_RETURN(Table targets, space.SelectColumns(model_columns_));
  GanTrainingData data;
  const Table train_targets = targets.SelectRows(train_rows);
  const Table validation_targets = targets.SelectRows(validation_rows);
  data.train_targets = TableAsTensor(train_targets).clone();
  data.validation_targets = TableAsTensor(validation_targets).clone();
  data.train_conditions = Conditions(space.SelectRows(train_rows), static_cast<int64_t>(train_rows.size()));
  data.validation_conditions = Conditions(space.SelectRows(validation_rows), static_cast<int64_t>(validation_rows.size()));
  return data;
}

absl::Status GanModel::Fit(const Table& train, const FitContext& ctx) {
  EVGEN_RETURN_IF_ERROR(CheckHasColumns(train, config_.condition_columns));
  EVGEN_RETURN_IF_ERROR(CheckHasColumns(train, config_.target_columns));
  EVGEN_ASSIGN_OR_RETURN(Table space, ModelSpace(train));
  FitConditionScaling(space);
  EVGEN_ASSIGN_OR_RETURN(GanTrainingData data, Split(space, ctx.seed));
  EVGEN_ASSIGN_OR_RETURN(MmdTerms mmd,
                         MmdTerms::Create(config_.mmd, model_columns_, chain_, config_.transforms));
  Network discriminator;
  {
    // Initial weights come from LibTorch's global generator: seed it and
    // build both networks under one lock so concurrent jobs stay reproducible.
    std::lock_guard<std::mutex> lock(InitMutex());
    torch::manual_seed(DeriveSeed(ctx.seed, kInitLabel));
    generator_ = BuildGenerator();
    discriminator = BuildDiscriminator();
  }
  GanTrainer trainer(config_, noise_, generator_, discriminator, &mmd, torch::Device(ctx.device));
  EVGEN_ASSIGN_OR_RETURN(GanTrainingResult result, trainer.Run(data, ctx));
  generator_.module->to(torch::kCPU);
  generator_.module->eval();
  int64_t parameters = 0;
  for (const torch::Tensor& p : generator_.module->parameters()) parameters += p.numel();
  fit_summary_ = {{"steps_done", result.steps_done},
                  {"best_validation_metric", result.best_validation_metric},
                  {"best_step", result.best_step},
                  {"stopped_early", result.stopped_early},
                  {"training_rows", data.train_targets.size(0)},
                  {"validation_rows", data.validation_targets.size(0)},
                  {"generator_parameters", parameters},
                  {"device", ctx.device}};
  fitted_ = true;
  return absl::OkStatus();
}

absl::StatusOr<Table> GanModel::Sample(const Table& conditions, int64_t rows, uint64_t seed,
                                       int64_t first_row) const {
  if (!fitted_) return absl::FailedPreconditionError("model: not fitted or loaded");
  EVGEN_RETURN_IF_ERROR(CheckSampleArguments(*this, conditions, rows, first_row));
  return Finish(conditions, GenerateAligned(Conditions(conditions, rows), seed, first_row));
}

std::vector<absl::StatusOr<Table>> GanModel::SampleShared(const std::vector<SampleShare>& shares) const {
  std::vector<absl::Status> checked(shares.size());
  std::vector<PassSpan> spans;
  std::vector<size_t> first_span(shares.size() + 1, 0);
  for (size_t i = 0; i < shares.size(); ++i) {
    const SampleShare& s = shares[i];
    checked[i] = !fitted_ ? absl::FailedPreconditionError("model: not fitted or loaded")
                          : CheckSampleArguments(*this, *s.conditions, s.rows, s.first_row);
    const int64_t block = config_.sample_block_rows;
    const bool one_block = s.rows == 0 || s.first_row / block == (s.first_row + s.rows - 1) / block;
    if (checked[i].ok() && !one_block) checked[i] = absl::InternalError("SampleShared: a share spans two blocks");
    if (checked[i].ok()) AppendSpans(Conditions(*s.conditions, s.rows), s.seed, s.first_row, &spans);
    first_span[i + 1] = spans.size();
  }
  c10::InferenceMode inference;
  const torch::Tensor generated = spans.empty() ? torch::Tensor() : RunPass(spans);
  std::vector<absl::StatusOr<Table>> out;
  for (size_t i = 0; i < shares.size(); ++i) {
    if (!checked[i].ok()) {
      out.push_back(checked[i]);
      continue;
    }
    std::vector<torch::Tensor> parts;
    for (size_t k = first_span[i]; k < first_span[i + 1]; ++k) {
      parts.push_back(generated.slice(0, spans[k].position, spans[k].position + spans[k].rows));
    }
    const torch::Tensor rows = parts.empty()
        ? torch::empty({0, static_cast<int64_t>(model_columns_.size())}, torch::kFloat32)
        : torch::cat(parts, 0);
    out.push_back(Finish(*shares[i].conditions, rows));
  }
  return out;
}

// Finish maps generated model-space rows back through the transform chain
// and returns them beside their conditions.
absl::StatusOr<Table> GanModel::Finish(const Table& conditions, const torch::Tensor& generated) const {
  const int64_t rows = generated.size(0);
  EVGEN_ASSIGN_OR_RETURN(Table space, TensorToTable(generated, model_columns_));
  EVGEN_ASSIGN_OR_RETURN(Table physical, chain_.Inverse(space));
  EVGEN_ASSIGN_OR_RETURN(Table targets, physical.SelectColumns(config_.target_columns));
  EVGEN_ASSIGN_OR_RETURN(Table result, conditions.SelectColumns(config_.condition_columns));
  // Append the target columns beside the conditions, row by row.
  std::vector<std::string> columns = result.columns();
  columns.insert(columns.end(), config_.target_columns.begin(), config_.target_columns.end());
  Table joined(columns);
  joined.Reserve(rows);
  std::vector<float> row(columns.size());
  const size_t nc = config_.condition_columns.size();
  for (int64_t r = 0; r < rows; ++r) {
    std::copy(result.row(r), result.row(r) + nc, row.begin());
    std::copy(targets.row(r), targets.row(r) + targets.num_columns(), row.begin() + nc);
    joined.AppendRow(row.data());
  }
  return joined;
}

absl::StatusOr<std::unique_ptr<Model>> GanModel::ForInference(const InferenceTarget& target) const {
  if (!fitted_) return absl::FailedPreconditionError("model: not fitted or loaded");
  EVGEN_ASSIGN_OR_RETURN(const torch::ScalarType dtype, PrecisionType(target));
  auto copy = std::make_unique<GanModel>(config_, noise_, g_spec_, d_spec_);
  // The fitted chain holds its transforms by unique_ptr: copied through its
  // saved form, as Load reads it.
  EVGEN_ASSIGN_OR_RETURN(copy->chain_, TransformChain::FromJson(chain_.ToJson()));
  copy->model_columns_ = model_columns_;
  copy->cond_mean_ = cond_mean_;
  copy->cond_scale_ = cond_scale_;
  copy->cond_range_ = cond_range_;
  copy->fit_summary_ = fit_summary_;
  copy->fitted_ = true;
  {
    std::lock_guard<std::mutex> lock(InitMutex());  // building draws initial weights
    copy->generator_ = copy->BuildGenerator();
  }
  try {
    torch::NoGradGuard no_grad;
    const auto from = generator_.module->named_parameters();
    for (auto& p : copy->generator_.module->named_parameters()) p.value().copy_(from[p.key()]);
    const auto buffers = generator_.module->named_buffers();
    for (auto& b : copy->generator_.module->named_buffers()) b.value().copy_(buffers[b.key()]);
    copy->generator_.module->to(torch::Device(target.device), dtype);
    copy->generator_.mlp->KeepOutputLayerInFloat32();
  } catch (const c10::Error& e) {
    return absl::FailedPreconditionError(absl::StrCat("device: cannot place the generator on '", target.device,
                                                      "': ", e.what_without_backtrace()));
  }
  copy->generator_.module->eval();
  copy->device_ = target.device;
  copy->dtype_ = dtype;
  if (dtype != torch::kFloat32) EVGEN_RETURN_IF_ERROR(copy->CheckAgainst(*this, target));
  return std::unique_ptr<Model>(std::move(copy));
}

// CheckConditions spreads `rows` conditions evenly over each condition's
// training range (mean +- 3 standard deviations for models saved before the
// ranges were kept), so the check sees the whole domain a request may use.
Table GanModel::CheckConditions(int64_t rows) const {
  Table table(config_.condition_columns);
  table.Reserve(rows);
  std::vector<float> row(config_.condition_columns.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t k = 0; k < row.size(); ++k) {
      const bool ranged = k < cond_range_.size();
      const double lo = ranged ? cond_range_[k].min : cond_mean_[k] - 3 * cond_scale_[k];
      const double hi = ranged ? cond_range_[k].max : cond_mean_[k] + 3 * cond_scale_[k];
      // A different stride per column decorrelates the columns' grids.
      const double u = std::fmod((r + 0.5) * (1 + 0.618034 * static_cast<double>(k + 1)) / rows, 1.0);
      row[k] = static_cast<float>(lo + u * (hi - lo));
    }
    table.AppendRow(row.data());
  }
  return table;
}

// CheckAgainst samples paired rows (the same noise, dropout masks and
// conditions) from this reduced-precision copy and from the float32
// `reference`, and refuses the copy when, in any target column, the mean
// |difference| exceeds target.tolerance of the float32 column's standard
// deviation. The mean paired difference bounds the Wasserstein-1 distance of
// the two samples' marginals, so a passing copy's distributions are within
// that many standard deviations of the float32 model's.
absl::Status GanModel::CheckAgainst(const GanModel& reference, const InferenceTarget& target) {
  constexpr int64_t kRows = 16384;
  constexpr uint64_t kSeed = 0x434845434bULL;
  const Table conditions = CheckConditions(kRows);
  EVGEN_ASSIGN_OR_RETURN(Table want, reference.Sample(conditions, kRows, kSeed, 0));
  EVGEN_ASSIGN_OR_RETURN(Table got, Sample(conditions, kRows, kSeed, 0));
  double worst = 0;
  std::string worst_column;
  json deviations = json::object();
  for (const std::string& column : config_.target_columns) {
    const int c = *want.ColumnIndex(column);
    double sum = 0, sum2 = 0, diff = 0;
    for (int64_t r = 0; r < kRows; ++r) {
      const double x = want.at(r, c), y = got.at(r, c);
      sum += x;
      sum2 += x * x;
      diff += std::isfinite(y) ? std::abs(y - x) : std::numeric_limits<double>::infinity();
    }
    const double mean = sum / kRows;
    const double sd = std::sqrt(std::max(0.0, sum2 / kRows - mean * mean));
    const double deviation = diff / kRows / (sd > 0 ? sd : 1.0);
    deviations[column] = deviation;
    if (!(deviation <= worst)) {
      worst = deviation;
      worst_column = column;
    }
  }
  inference_check_ = {{"precision", target.precision}, {"device", target.device}, {"rows", kRows},
                      {"tolerance", target.tolerance}, {"deviation", deviations}};
  check_ = InferenceCheck{target.precision, worst, worst_column};
  if (worst <= target.tolerance) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "precision: ", target.precision, " samples deviate from fp32 by ", worst, " standard deviations in column '",
      worst_column, "' (mean |", target.precision, " - fp32| over ", kRows, " paired rows); the server allows ",
      target.tolerance, " (evgend --precision-tolerance); sample this model in fp32"));
}

json GanModel::Describe() const {
  json out = {{"kind", config_.kind},
          {"preset", config_.preset},
          {"config", config_.ToJson()},
          {"model_columns", model_columns_},
          {"fit", fit_summary_}};
  // A copy for another device or precision says so, with its check.
  if (!inference_check_.empty() || device_ != "cpu") out["inference"] = {{"device", device_}, {"check", inference_check_}};
  return out;
}

absl::Status GanModel::Save(const std::string& dir) const {
  if (!fitted_) return absl::FailedPreconditionError("model: not fitted");
  json state = {{"kind", config_.kind},
                {"preset", config_.preset},
                {"config", config_.ToJson()},
                {"transforms_fitted", chain_.ToJson()},
                {"model_columns", model_columns_},
                {"condition_mean", cond_mean_},
                {"condition_scale", cond_scale_},
                {"condition_range", RangesToJson(cond_range_)},
                {"fit", fit_summary_}};
  EVGEN_RETURN_IF_ERROR(WriteFileAtomically(dir + "/gan.json", state.dump(2)));
  try {
    torch::serialize::OutputArchive archive;
    generator_.module->save(archive);
    archive.save_to(dir + "/weights.pt");
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("model: cannot write weights.pt: ", e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

absl::Status GanModel::Load(const std::string& dir) {
  std::ifstream in(dir + "/gan.json");
  if (!in) return absl::NotFoundError(absl::StrCat("model: missing ", dir, "/gan.json"));
  const json state = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object()) {
    return absl::DataLossError(absl::StrCat("model: ", dir, "/gan.json is not valid JSON"));
  }
  try {
    EVGEN_ASSIGN_OR_RETURN(config_, GanConfig::FromJson(state.at("kind").get<std::string>(), state.at("config")));
    config_.preset = state.value("preset", "");
    if (!state.at("config").contains("sample_block_rows")) config_.sample_block_rows = kSavedBlockBefore;
    EVGEN_ASSIGN_OR_RETURN(noise_, NoiseSpec::FromJson(config_.noise, "config.noise"));
    EVGEN_ASSIGN_OR_RETURN(g_spec_, MlpSpec::FromJson(config_.generator, "config.generator"));
    EVGEN_ASSIGN_OR_RETURN(chain_, TransformChain::FromJson(state.at("transforms_fitted")));
    model_columns_ = state.at("model_columns").get<std::vector<std::string>>();
    cond_mean_ = state.at("condition_mean").get<std::vector<double>>();
    cond_scale_ = state.at("condition_scale").get<std::vector<double>>();
    cond_range_ = RangesFromJson(state.value("condition_range", json::array()));
    fit_summary_ = state.value("fit", json::object());
    generator_ = BuildGenerator();
    torch::serialize::InputArchive archive;
    archive.load_from(dir + "/weights.pt");
    generator_.module->load(archive);
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("model: cannot load ", dir, ": ", e.what()));
  }
  generator_.module->eval();
  fitted_ = true;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> CreateGanModel(const std::string& kind, const json& config) {
  EVGEN_ASSIGN_OR_RETURN(GanConfig c, GanConfig::FromJson(kind, config));
  EVGEN_ASSIGN_OR_RETURN(NoiseSpec noise, NoiseSpec::FromJson(c.noise, "config.noise"));
  EVGEN_ASSIGN_OR_RETURN(MlpSpec g, MlpSpec::FromJson(c.generator, "config.generator"));
  json d_json = c.discriminator;
  if (kind == "wgan-u1") {
    // A circle critic has only widths and psi; the other MLP options do not apply.
    for (const auto& [k, v] : d_json.items()) {
      if (k != "hidden" && k != "activation") {
        return absl::InvalidArgumentError(absl::StrCat(
            "config.discriminator.", k, ": does not apply to a wgan-u1 circle critic; allowed: hidden, activation"));
      }
    }
  }
  EVGEN_ASSIGN_OR_RETURN(MlpSpec d, MlpSpec::FromJson(d_json, "config.discriminator"));
  if (kind == "wgan-u1" && d.activation == "swish") {
    return absl::InvalidArgumentError(
        "config.discriminator.activation: a circle critic needs a 1-Lipschitz psi: leaky-relu, relu or tanh");
  }
  return std::unique_ptr<Model>(std::make_unique<GanModel>(std::move(c), std::move(noise), std::move(g), std::move(d)));
}

}  // namespace evgen
