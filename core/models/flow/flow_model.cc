#include "core/models/flow/flow_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/data/table_tensor.h"
#include "core/data/transforms.h"
#include "core/io/atomic_file.h"
#include "core/models/flow/flow_config.h"
#include "core/models/flow/flow_network.h"
#include "core/models/flow/flow_trainer.h"
#include "core/models/flow/gaussian_baseline.h"
#include "core/models/nn/noise.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

using nlohmann::json;

constexpr uint64_t kSplitLabel = 0x53504c4954000000ULL;
constexpr uint64_t kNoiseLabel = 0x4e4f495345000000ULL;
constexpr uint64_t kNetworkLabel = 0x464c4f5700000000ULL;
// Sampling and densities run the network on passes of exactly kPassRows
// rows: BLAS kernels may sum in another order for another batch size or row
// position, so a fixed pass, with row r at position r mod kPassRows, keeps a
// sampled row's bytes independent of how the request is chunked.
constexpr int64_t kPassRows = 4096;

absl::Status CheckHasColumns(const Table& table, const std::vector<std::string>& columns, const char* what) {
  for (const std::string& c : columns) {
    if (!table.HasColumn(c)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": no column '", c, "'; it has [",
                                                     absl::StrJoin(table.columns(), ", "), "]"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckFinite(const Table& table, const std::vector<std::string>& columns) {
  for (const std::string& name : columns) {
    const int c = *table.ColumnIndex(name);
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      if (!std::isfinite(table.at(r, c))) {
        return absl::InvalidArgumentError(
            absl::StrCat("events: column '", name, "' row ", r, " is ", table.at(r, c), "; values must be finite"));
      }
    }
  }
  return absl::OkStatus();
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

class FlowModel final : public Model {
 public:
  explicit FlowModel(FlowConfig config) : config_(std::move(config)) {
    if (config_.transforms.empty()) {
      config_.transforms = json::array({{{"kind", "standardize"}, {"columns", config_.target_columns}}});
    }
  }

  std::string kind() const override { return config_.kind; }
  const std::vector<std::string>& condition_columns() const override { return config_.condition_columns; }
  const std::vector<std::string>& target_columns() const override { return config_.target_columns; }
  std::vector<ConditionRange> condition_ranges() const override { return cond_range_; }
  int64_t sample_block_rows() const override { return kPassRows; }

  absl::Status Fit(const Table& train, const FitContext& ctx) override;
  absl::StatusOr<Table> Sample(const Table& conditions, int64_t rows, uint64_t seed,
                               int64_t first_row) const override;
  absl::StatusOr<std::vector<double>> LogDensity(const Table& events) const override;
  json Describe() const override;
  absl::Status Save(const std::string& dir) const override;
  absl::Status Load(const std::string& dir) override;

 private:
  std::vector<std::string> Columns() const;
  absl::StatusOr<Table> ModelSpace(const Table& selected);
  void FitConditionScaling(const Table& space);
  torch::Tensor Conditions(const Table& table) const;
  absl::StatusOr<FlowTrainingData> Split(const Table& space, uint64_t seed) const;
  FlowNetwork BuildNetwork(uint64_t seed) const;
  // InPasses runs `run` on passes of kPassRows rows; pass rows [position,
  // position + n) hold rows [begin, begin + n) of `in` (zeros elsewhere).
  torch::Tensor InPasses(const torch::Tensor& in, const torch::Tensor& cond, int64_t first_row,
                         const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& run) const;

  FlowConfig config_;
  TransformChain chain_;
  std::vector<std::string> model_columns_;
  std::vector<double> cond_mean_, cond_scale_;
  std::vector<ConditionRange> cond_range_;
  FlowNetwork network_{nullptr};
  json fit_summary_ = json::object();
  bool fitted_ = false;
};

// Columns is what the chain sees: targets, then conditions.
std::vector<std::string> FlowModel::Columns() const {
  std::vector<std::string> columns = config_.target_columns;
  columns.insert(columns.end(), config_.condition_columns.begin(), config_.condition_columns.end());
  return columns;
}

absl::StatusOr<Table> FlowModel::ModelSpace(const Table& selected) {
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
    return absl::FailedPreconditionError(
        absl::StrCat("training data: ", space.num_rows(), " rows after the transforms; need at least ", kMinRows));
  }
  return space;
}

void FlowModel::FitConditionScaling(const Table& space) {
  const size_t n = config_.condition_columns.size();
  cond_mean_.assign(n, 0);
  cond_scale_.assign(n, 1);
  cond_range_.assign(n, ConditionRange{});
  for (size_t k = 0; k < n; ++k) {
    const int c = *space.ColumnIndex(config_.condition_columns[k]);
    double sum = 0, sum2 = 0;
    ConditionRange& range = cond_range_[k];
    range.min = range.max = space.at(0, c);
    for (int64_t r = 0; r < space.num_rows(); ++r) {
      const double v = space.at(r, c);
      sum += v;
      sum2 += v * v;
      range.min = std::min(range.min, v);
      range.max = std::max(range.max, v);
    }
    const double rows = static_cast<double>(space.num_rows());
    cond_mean_[k] = sum / rows;
    const double var = std::max(0.0, sum2 / rows - cond_mean_[k] * cond_mean_[k]);
    cond_scale_[k] = var > 0 ? std::sqrt(var) : 1.0;
  }
}

// Conditions returns the standardized condition columns [rows, C].
torch::Tensor FlowModel::Conditions(const Table& table) const {
  const int64_t n = static_cast<int64_t>(config_.condition_columns.size());
  const int64_t rows = n > 0 ? table.num_rows() : 0;
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

// Split holds out a seeded fraction of rows for validation; a row's side
// depends only on (seed, row).
absl::StatusOr<FlowTrainingData> FlowModel::Split(const Table& space, uint64_t seed) const {
  std::vector<int64_t> train_rows, validation_rows;
  for (int64_t r = 0; r < space.num_rows(); ++r) {
    CounterRng rng(seed ^ kSplitLabel, static_cast<uint64_t>(r));
    const bool held_out = rng.Uniform() < config_.validation.fraction &&
                          static_cast<int64_t>(validation_rows.size()) < config_.validation.rows;
    (held_out ? validation_rows : train_rows).push_back(r);
  }
  EVGEN_ASSIGN_OR_RETURN(Table targets, space.SelectColumns(model_columns_));
  FlowTrainingData data;
  data.train_targets = TableAsTensor(targets.SelectRows(train_rows)).clone();
  data.validation_targets = TableAsTensor(targets.SelectRows(validation_rows)).clone();
  const int64_t n_cond = static_cast<int64_t>(config_.condition_columns.size());
  data.train_conditions = n_cond > 0 ? Conditions(space.SelectRows(train_rows))
                                     : torch::empty({static_cast<int64_t>(train_rows.size()), 0});
  data.validation_conditions = n_cond > 0 ? Conditions(space.SelectRows(validation_rows))
                                          : torch::empty({static_cast<int64_t>(validation_rows.size()), 0});
  return data;
}

FlowNetwork FlowModel::BuildNetwork(uint64_t seed) const {
  return FlowNetwork(static_cast<int64_t>(model_columns_.size()),
                     static_cast<int64_t>(config_.condition_columns.size()), config_.network, seed);
}

absl::Status FlowModel::Fit(const Table& train, const FitContext& ctx) {
  EVGEN_RETURN_IF_ERROR(CheckHasColumns(train, config_.condition_columns, "training data"));
  EVGEN_RETURN_IF_ERROR(CheckHasColumns(train, config_.target_columns, "training data"));
  EVGEN_ASSIGN_OR_RETURN(Table selected, train.SelectColumns(Columns()));
  EVGEN_ASSIGN_OR_RETURN(Table space, ModelSpace(selected));
  // The chain's log-Jacobian over the training rows: refuses a chain
  // without a density (periodic) before training, and turns model-space
  // NLLs into physical ones. With a tail cut it is the mean over all rows.
  std::vector<double> log_jacobian;
  EVGEN_RETURN_IF_ERROR(chain_.ForwardWithLogAbsDet(selected, &log_jacobian).status());
  FitConditionScaling(space);
  EVGEN_ASSIGN_OR_RETURN(FlowTrainingData data, Split(space, ctx.seed));
  data.train_log_jacobian = data.validation_log_jacobian = Mean(log_jacobian);
  network_ = BuildNetwork(DeriveSeed(ctx.seed, kNetworkLabel));
  try {
    FlowTrainer trainer(config_, network_, torch::Device(ctx.device));
    EVGEN_ASSIGN_OR_RETURN(FlowTrainingResult result, trainer.Run(data, ctx));
    network_->to(torch::kCPU);
    network_->eval();
    int64_t parameters = 0;
    for (const torch::Tensor& p : network_->parameters()) parameters += p.numel();
    fit_summary_ = {{"steps_done", result.steps_done},
                    {"best_validation_nll", result.best_validation_nll},
                    {"best_step", result.best_step},
                    {"last_train_nll", result.last_train_nll},
                    // The full-covariance Gaussian's validation NLL on the
                    // same rows and units: the bar a flow must clear.
                    {"gaussian_validation_nll", GaussianBaselineNll(data)},
                    {"stopped_early", result.stopped_early},
                    {"training_rows", data.train_targets.size(0)},
                    {"validation_rows", data.validation_targets.size(0)},
                    {"parameters", parameters},
                    {"device", ctx.device}};
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("flow training: ", e.what_without_backtrace()));
  }
  fitted_ = true;
  return absl::OkStatus();
}

torch::Tensor FlowModel::InPasses(
    const torch::Tensor& in, const torch::Tensor& cond, int64_t first_row,
    const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& run) const {
  const int64_t rows = in.size(0);
  const int64_t n_cond = cond.size(1);
  std::vector<torch::Tensor> parts;
  for (int64_t block = first_row / kPassRows * kPassRows; block < first_row + rows; block += kPassRows) {
    const int64_t begin = std::max(block, first_row), end = std::min(block + kPassRows, first_row + rows);
    const int64_t position = begin - block, n = end - begin;
    torch::Tensor x = torch::zeros({kPassRows, in.size(1)}, torch::kFloat32);
    torch::Tensor c = torch::zeros({kPassRows, n_cond}, torch::kFloat32);
    x.slice(0, position, position + n).copy_(in.slice(0, begin - first_row, end - first_row));
    if (n_cond > 0) c.slice(0, position, position + n).copy_(cond.slice(0, begin - first_row, end - first_row));
    parts.push_back(run(x, c).slice(0, position, position + n));
  }
  if (parts.empty()) return torch::empty({0}, torch::kFloat32);
  return torch::cat(parts, 0);
}

absl::StatusOr<Table> FlowModel::Sample(const Table& conditions, int64_t rows, uint64_t seed,
                                        int64_t first_row) const {
  if (!fitted_) return absl::FailedPreconditionError("model: not fitted or loaded");
  EVGEN_RETURN_IF_ERROR(CheckSampleArguments(*this, conditions, rows, first_row));
  const int64_t dims = static_cast<int64_t>(model_columns_.size());
  const NoiseSpec normal{"normal", 0, dims};
  torch::Tensor generated;
  {
    c10::InferenceMode inference;
    const torch::Tensor z = BlockNoise(normal, DeriveSeed(seed, kNoiseLabel), first_row, rows);
    const torch::Tensor cond = config_.condition_columns.empty() ? torch::empty({rows, 0}) : Conditions(conditions);
    generated = rows == 0 ? torch::empty({0, dims})
                          : InPasses(z, cond, first_row, [this](const torch::Tensor& x, const torch::Tensor& c) {
                              return network_.ptr()->Inverse(x, c);
                            });
  }
  EVGEN_ASSIGN_OR_RETURN(Table space, TensorToTable(generated, model_columns_));
  EVGEN_ASSIGN_OR_RETURN(Table physical, chain_.Inverse(space));
  EVGEN_ASSIGN_OR_RETURN(Table targets, physical.SelectColumns(config_.target_columns));
  if (config_.condition_columns.empty()) return targets;
  EVGEN_ASSIGN_OR_RETURN(Table result, conditions.SelectColumns(config_.condition_columns));
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

absl::StatusOr<std::vector<double>> FlowModel::LogDensity(const Table& events) const {
  if (!fitted_) return absl::FailedPreconditionError("model: not fitted or loaded");
  EVGEN_RETURN_IF_ERROR(CheckHasColumns(events, config_.target_columns, "events"));
  EVGEN_RETURN_IF_ERROR(CheckHasColumns(events, config_.condition_columns, "events"));
  EVGEN_RETURN_IF_ERROR(CheckFinite(events, Columns()));
  EVGEN_ASSIGN_OR_RETURN(Table selected, events.SelectColumns(Columns()));
  std::vector<double> log_density;
  EVGEN_ASSIGN_OR_RETURN(Table space, chain_.ForwardWithLogAbsDet(selected, &log_density));
  EVGEN_ASSIGN_OR_RETURN(Table targets, space.SelectColumns(model_columns_));
  const int64_t rows = events.num_rows();
  if (rows == 0) return log_density;
  torch::Tensor log_prob;
  {
    c10::InferenceMode inference;
    const torch::Tensor cond = config_.condition_columns.empty() ? torch::empty({rows, 0}) : Conditions(space);
    log_prob = InPasses(TableAsTensor(targets), cond, 0, [this](const torch::Tensor& x, const torch::Tensor& c) {
                 return network_.ptr()->LogProb(x, c);
               }).to(torch::kFloat64);
  }
  const double* p = log_prob.data_ptr<double>();
  for (int64_t r = 0; r < rows; ++r) log_density[r] += p[r];
  return log_density;
}

json FlowModel::Describe() const {
  return {{"kind", config_.kind},
          {"preset", config_.preset},
          {"config", config_.ToJson()},
          {"model_columns", model_columns_},
          {"has_density", true},
          {"fit", fit_summary_}};
}

absl::Status FlowModel::Save(const std::string& dir) const {
  if (!fitted_) return absl::FailedPreconditionError("model: not fitted");
  json ranges = json::array();
  for (const ConditionRange& r : cond_range_) ranges.push_back({r.min, r.max});
  const json state = {{"kind", config_.kind},
                      {"preset", config_.preset},
                      {"config", config_.ToJson()},
                      {"transforms_fitted", chain_.ToJson()},
                      {"model_columns", model_columns_},
                      {"condition_mean", cond_mean_},
                      {"condition_scale", cond_scale_},
                      {"condition_range", ranges},
                      {"fit", fit_summary_}};
  EVGEN_RETURN_IF_ERROR(WriteFileAtomically(dir + "/flow.json", state.dump(2)));
  try {
    torch::serialize::OutputArchive archive;
    network_->save(archive);
    archive.save_to(dir + "/weights.pt");
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("model: cannot write weights.pt: ", e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

absl::Status FlowModel::Load(const std::string& dir) {
  std::ifstream in(dir + "/flow.json");
  if (!in) return absl::NotFoundError(absl::StrCat("model: missing ", dir, "/flow.json"));
  const json state = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object()) {
    return absl::DataLossError(absl::StrCat("model: ", dir, "/flow.json is not valid JSON"));
  }
  try {
    EVGEN_ASSIGN_OR_RETURN(config_, FlowConfig::FromJson(state.at("kind").get<std::string>(), state.at("config")));
    config_.preset = state.value("preset", "");
    EVGEN_ASSIGN_OR_RETURN(chain_, TransformChain::FromJson(state.at("transforms_fitted")));
    model_columns_ = state.at("model_columns").get<std::vector<std::string>>();
    cond_mean_ = state.at("condition_mean").get<std::vector<double>>();
    cond_scale_ = state.at("condition_scale").get<std::vector<double>>();
    cond_range_.clear();
    for (const json& r : state.at("condition_range")) cond_range_.push_back({r.at(0).get<double>(), r.at(1).get<double>()});
    fit_summary_ = state.value("fit", json::object());
    // The seed does not matter: the mixings are buffers in weights.pt.
    network_ = BuildNetwork(0);
    torch::serialize::InputArchive archive;
    archive.load_from(dir + "/weights.pt");
    network_->load(archive);
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("model: cannot load ", dir, ": ", e.what()));
  }
  network_->eval();
  fitted_ = true;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> CreateFlowModel(const std::string& kind, const json& config) {
  EVGEN_ASSIGN_OR_RETURN(FlowConfig c, FlowConfig::FromJson(kind, config));
  return std::unique_ptr<Model>(std::make_unique<FlowModel>(std::move(c)));
}

}  // namespace evgen
