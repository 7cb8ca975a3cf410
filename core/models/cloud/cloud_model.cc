#include "core/models/cloud/cloud_model.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <numeric>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/cloud_constants.h"
#include "core/models/cloud/cloud_networks.h"
#include "core/models/cloud/cloud_trainer.h"
#include "core/models/cloud/jet_sets.h"
#include "core/models/cloud/jet_stage.h"
#include "core/models/nn/gumbel_softmax.h"
#include "core/models/nn/noise.h"
#include "core/models/nn/set_mask.h"
#include "core/random/block_random.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

using nlohmann::json;

// GeneratedPass: the sizes [B] and members [B, N_max, targets] (model
// space) of the kSampleBlockJets jets of one pass.
struct GeneratedPass {
  torch::Tensor sizes, members;
};

json ScalingToJson(const Scaling& s) {
  json ranges = json::array();
  for (const Model::ConditionRange& r : s.condition_range) ranges.push_back({r.min, r.max});
  return {{"target_mean", s.target_mean},         {"target_scale", s.target_scale},
          {"condition_mean", s.condition_mean},   {"condition_scale", s.condition_scale},
          {"condition_range", ranges}};
}

Scaling ScalingFromJson(const json& j) {
  Scaling s;
  s.target_mean = j.at("target_mean").get<std::vector<double>>();
  s.target_scale = j.at("target_scale").get<std::vector<double>>();
  s.condition_mean = j.at("condition_mean").get<std::vector<double>>();
  s.condition_scale = j.at("condition_scale").get<std::vector<double>>();
  for (const json& r : j.at("condition_range")) s.condition_range.push_back({r.at(0).get<double>(), r.at(1).get<double>()});
  return s;
}

class CloudModel final : public Model {
 public:
  CloudModel(CloudConfig config, MlpSpec sizes_g, MlpSpec sizes_d, std::unique_ptr<JetStage> jet_stage)
      : config_(std::move(config)), sizes_g_(std::move(sizes_g)), sizes_d_(std::move(sizes_d)) {
    SetJetStage(std::move(jet_stage));
  }

  std::string kind() const override { return cloud::kKind; }
  // With a jet stage, the conditions it draws are not asked for.
  const std::vector<std::string>& condition_columns() const override { return asked_conditions_; }
  const std::vector<std::string>& target_columns() const override { return config_.target_columns; }
  std::vector<ConditionRange> condition_ranges() const override;
  bool samples_sets() const override { return true; }
  int64_t sample_block_rows() const override { return cloud::kSampleBlockJets; }
  int64_t max_set_size() const override { return config_.max_constituents; }
  absl::StatusOr<std::vector<int64_t>> SetSizes(const Table& conditions, int64_t sets, uint64_t seed,
                                                int64_t first) const override;

  absl::Status Fit(const Table& train, const FitContext& ctx) override;
  absl::StatusOr<Table> Sample(const Table& conditions, int64_t rows, uint64_t seed,
                               int64_t first_row) const override;
  json Describe() const override;
  absl::Status Save(const std::string& dir) const override;
  absl::Status Load(const std::string& dir) override;

 private:
  void SetJetStage(std::unique_ptr<JetStage> stage);
  std::vector<std::string> OutputColumns() const;
  // AllConditions: every condition column for `rows` sets from `first`, the
  // jet stage's drawn beside the given ones; nullopt without a stage (the
  // given table holds them all).
  absl::StatusOr<std::optional<Table>> AllConditions(const Table& given, int64_t rows, uint64_t seed,
                                                     int64_t first) const;
  torch::Tensor PassSizes(const torch::Tensor& conditions, uint64_t seed, int64_t block_start) const;
  GeneratedPass RunPass(const torch::Tensor& conditions, uint64_t seed, int64_t block_start) const;
  void AppendJet(const GeneratedPass& pass, int64_t position, int64_t jet, const Table& conditions,
                 const std::vector<int>& condition_indices, int64_t condition_row, Table& out) const;

  CloudConfig config_;
  MlpSpec sizes_g_, sizes_d_;
  Scaling scaling_;
  CloudGenerator generator_{nullptr};
  std::unique_ptr<JetStage> jet_stage_;  // null: every condition is asked for
  std::vector<std::string> asked_conditions_;
  json fit_summary_ = json::object();
  bool fitted_ = false;
};

void CloudModel::SetJetStage(std::unique_ptr<JetStage> stage) {
  jet_stage_ = std::move(stage);
  asked_conditions_ = jet_stage_ ? jet_stage_->asked_conditions() : config_.condition_columns;
}

std::vector<Model::ConditionRange> CloudModel::condition_ranges() const {
  if (scaling_.condition_range.empty()) return {};
  std::vector<ConditionRange> out;
  for (const std::string& c : asked_conditions_) {
    out.push_back(scaling_.condition_range[static_cast<size_t>(ColumnPosition(config_.condition_columns, c))]);
  }
  return out;
}

std::vector<std::string> CloudModel::OutputColumns() const {
  std::vector<std::string> columns = {cloud::kJetColumn, cloud::kConstituentColumn};
  columns.insert(columns.end(), config_.target_columns.begin(), config_.target_columns.end());
  columns.push_back(cloud::kSizeColumn);
  columns.insert(columns.end(), asked_conditions_.begin(), asked_conditions_.end());
  return columns;
}

absl::StatusOr<std::optional<Table>> CloudModel::AllConditions(const Table& given, int64_t rows, uint64_t seed,
                                                               int64_t first) const {
  if (!jet_stage_) return std::optional<Table>();
  EVGEN_ASSIGN_OR_RETURN(Table all, jet_stage_->Conditions(given, rows, seed, first));
  return std::optional<Table>(std::move(all));
}

absl::Status CloudModel::Fit(const Table& train, const FitContext& ctx) {
  EVGEN_ASSIGN_OR_RETURN(JetSets data, ReadJetSets(train, config_));
  const int64_t targets = static_cast<int64_t>(config_.target_columns.size());
  EVGEN_ASSIGN_OR_RETURN(DiscriminatorFeatures features, MakeDiscriminatorFeatures(config_, data));
  EVGEN_ASSIGN_OR_RETURN(std::optional<GivenJetMap> given_jet, MakeGivenJetMap(config_, data.scaling));
  CloudDiscriminator discriminator{nullptr};
  {
    // Initial weights come from LibTorch's global generator: seed it and
    // build all networks under one lock so concurrent jobs stay reproducible.
    static std::mutex init_mutex;
    std::lock_guard<std::mutex> lock(init_mutex);
    torch::manual_seed(DeriveSeed(ctx.seed, cloud::kInitLabel));
    generator_ = CloudGenerator(config_, sizes_g_, targets, std::move(given_jet));
    discriminator = CloudDiscriminator(config_, sizes_d_, targets, std::move(features));
  }
  CloudTrainer trainer(config_, generator_, discriminator, torch::Device(ctx.device));
  EVGEN_ASSIGN_OR_RETURN(CloudTrainingResult result, trainer.Run(data, ctx));
  generator_->to(torch::kCPU);
  generator_->eval();
  scaling_ = std::move(data.scaling);
  // The jet stage trains after the set stage (jet_stage.h: steps logged once).
  if (jet_stage_) EVGEN_RETURN_IF_ERROR(jet_stage_->Fit(train, data.first_rows, ctx, config_.steps));
  int64_t parameters = 0;
  for (const torch::Tensor& p : generator_->parameters()) parameters += p.numel();
  fit_summary_ = {{"steps_done", result.steps_done},
                  {"multiplicity_w1", result.multiplicity_w1},
                  {"sizes_kept_from_step", result.best_step},
                  {"training_jets", data.sizes.size(0)},
                  {"training_constituents", data.sizes.sum().item<int64_t>()},
                  {"generator_parameters", parameters},
                  {"device", ctx.device}};
  fitted_ = true;
  return absl::OkStatus();
}

// RunPass generates the jets [block_start, block_start + kSampleBlockJets)
// with the given model-space conditions (zeros for jets not requested:
// their values are discarded, and masking keeps jets apart).
// PassConditions places the conditions of jets [begin, end) (rows of
// `cond`, which starts at jet `first`) at their positions in the pass of the
// block starting at jet `block`; the other positions stay zero.
torch::Tensor PassConditions(const torch::Tensor& cond, int64_t first, int64_t block, int64_t begin, int64_t end) {
  torch::Tensor pass = torch::zeros({cloud::kSampleBlockJets, cond.size(1)}, torch::kFloat32);
  pass.slice(0, begin - block, end - block).copy_(cond.slice(0, begin - first, end - first));
  return pass;
}

// PassSizes is the sizes stage of RunPass alone: what SetSizes reports.
torch::Tensor CloudModel::PassSizes(const torch::Tensor& conditions, uint64_t seed, int64_t block_start) const {
  const int64_t b = cloud::kSampleBlockJets, n_max = config_.max_constituents;
  const NoiseSpec global{"normal", 0, config_.global_noise_dim};
  const torch::Tensor z_sizes = BlockNoise(global, DeriveSeed(seed, cloud::kSizesNoiseLabel), block_start, b);
  torch::Tensor u = torch::empty({b, n_max}, torch::kFloat32);
  FillUniform(DeriveSeed(seed, cloud::kGumbelLabel), static_cast<uint64_t>(block_start * n_max), u.data_ptr<float>(),
              b * n_max);
  return GumbelArgmax(generator_.ptr()->SizeLogits(z_sizes, conditions), u) + 1;
}

GeneratedPass CloudModel::RunPass(const torch::Tensor& conditions, uint64_t seed, int64_t block_start) const {
  const int64_t b = cloud::kSampleBlockJets, n_max = config_.max_constituents;
  const NoiseSpec global{"normal", 0, config_.global_noise_dim};
  const NoiseSpec member{"normal", 0, n_max * config_.member_noise_dim};
  GeneratedPass pass;
  pass.sizes = PassSizes(conditions, seed, block_start);
  const torch::Tensor z_set = BlockNoise(global, DeriveSeed(seed, cloud::kSetNoiseLabel), block_start, b);
  const torch::Tensor z_members = BlockNoise(member, DeriveSeed(seed, cloud::kMemberNoiseLabel), block_start, b)
                                      .view({b, n_max, config_.member_noise_dim});
  pass.members = generator_.ptr()->Members(z_members, z_set, pass.sizes, conditions, SizeMask(pass.sizes, n_max));
  return pass;
}

// AppendJet writes the jet at `position` of `pass` as rows of `out`,
// members in decreasing log_pt when that is a target.
void CloudModel::AppendJet(const GeneratedPass& pass, int64_t position, int64_t jet, const Table& conditions,
                           const std::vector<int>& condition_indices, int64_t condition_row, Table& out) const {
  const int64_t size = pass.sizes[position].item<int64_t>();
  const int64_t targets = static_cast<int64_t>(config_.target_columns.size());
  const torch::Tensor members = pass.members[position].contiguous();
  const float* x = members.data_ptr<float>();
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), 0);
  const auto key = std::find(config_.target_columns.begin(), config_.target_columns.end(), cloud::kOrderColumn);
  if (key != config_.target_columns.end()) {
    const int64_t k = key - config_.target_columns.begin();
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t c) { return x[a * targets + k] > x[c * targets + k]; });
  }
  std::vector<float> row(out.columns().size());
  for (int64_t i = 0; i < size; ++i) {
    size_t col = 0;
    row[col++] = static_cast<float>(jet);
    row[col++] = static_cast<float>(i);
    for (int64_t k = 0; k < targets; ++k) {
      row[col++] = static_cast<float>(x[order[i] * targets + k] * scaling_.target_scale[k] + scaling_.target_mean[k]);
    }
    row[col++] = static_cast<float>(size);
    for (int c : condition_indices) row[col++] = conditions.at(condition_row, c);
    out.AppendRow(row.data());
  }
}

absl::StatusOr<Table> CloudModel::Sample(const Table& conditions, int64_t rows, uint64_t seed,
                                         int64_t first_row) const {
  if (!fitted_) return absl::FailedPreconditionError("model: not fitted or loaded");
  EVGEN_RETURN_IF_ERROR(CheckSampleArguments(*this, conditions, rows, first_row));
  EVGEN_ASSIGN_OR_RETURN(const std::optional<Table> drawn, AllConditions(conditions, rows, seed, first_row));
  const Table& all = drawn ? *drawn : conditions;
  c10::InferenceMode inference;
  const torch::Tensor cond = StandardizedConditions(all, rows, config_, scaling_);
  const int64_t b = cloud::kSampleBlockJets;
  std::vector<int> condition_indices;
  for (const std::string& c : asked_conditions_) condition_indices.push_back(*all.ColumnIndex(c));
  Table out(OutputColumns());
  std::vector<int64_t> jet_ids;
  for (int64_t block = first_row / b * b; block < first_row + rows; block += b) {
    const int64_t begin = std::max(block, first_row), end = std::min(block + b, first_row + rows);
    const GeneratedPass pass = RunPass(PassConditions(cond, first_row, block, begin, end), seed, block);
    for (int64_t jet = begin; jet < end; ++jet) {
      AppendJet(pass, jet - block, jet, all, condition_indices, jet - first_row, out);
      jet_ids.resize(static_cast<size_t>(out.num_rows()), jet);
    }
  }
  // Jet indices above 2^24 are not exact in float32; the int64 column is.
  EVGEN_RETURN_IF_ERROR(out.SetInt64Column(cloud::kJetColumn, std::move(jet_ids)));
  return out;
}

absl::StatusOr<std::vector<int64_t>> CloudModel::SetSizes(const Table& conditions, int64_t sets, uint64_t seed,
                                                          int64_t first) const {
  if (!fitted_) return absl::FailedPreconditionError("model: not fitted or loaded");
  EVGEN_RETURN_IF_ERROR(CheckSampleArguments(*this, conditions, sets, first));
  EVGEN_ASSIGN_OR_RETURN(const std::optional<Table> drawn, AllConditions(conditions, sets, seed, first));
  c10::InferenceMode inference;
  const torch::Tensor cond = StandardizedConditions(drawn ? *drawn : conditions, sets, config_, scaling_);
  const int64_t b = cloud::kSampleBlockJets;
  std::vector<int64_t> sizes;
  sizes.reserve(static_cast<size_t>(sets));
  for (int64_t block = first / b * b; block < first + sets; block += b) {
    const int64_t begin = std::max(block, first), end = std::min(block + b, first + sets);
    const torch::Tensor pass = PassSizes(PassConditions(cond, first, block, begin, end), seed, block).contiguous();
    for (int64_t jet = begin; jet < end; ++jet) sizes.push_back(pass[jet - block].item<int64_t>());
  }
  return sizes;
}

json CloudModel::Describe() const {
  json d = {{"kind", cloud::kKind}, {"preset", config_.preset}, {"config", config_.ToJson()}, {"fit", fit_summary_}};
  if (jet_stage_) d["jet_stage"] = jet_stage_->Describe();
  return d;
}

absl::Status CloudModel::Save(const std::string& dir) const {
  if (!fitted_) return absl::FailedPreconditionError("model: not fitted");
  const json state = {{"kind", cloud::kKind},
                      {"preset", config_.preset},
                      {"config", config_.ToJson()},
                      {"scaling", ScalingToJson(scaling_)},
                      {"fit", fit_summary_}};
  EVGEN_RETURN_IF_ERROR(WriteFileAtomically(dir + "/cloud.json", state.dump(2)));
  try {
    torch::serialize::OutputArchive archive;
    generator_->save(archive);
    archive.save_to(dir + "/weights.pt");
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("model: cannot write weights.pt: ", e.what_without_backtrace()));
  }
  return jet_stage_ ? jet_stage_->Save(dir) : absl::OkStatus();
}

absl::Status CloudModel::Load(const std::string& dir) {
  std::ifstream in(dir + "/cloud.json");
  if (!in) return absl::NotFoundError(absl::StrCat("model: missing ", dir, "/cloud.json"));
  const json state = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object()) {
    return absl::DataLossError(absl::StrCat("model: ", dir, "/cloud.json is not valid JSON"));
  }
  try {
    EVGEN_ASSIGN_OR_RETURN(config_, CloudConfig::FromJson(state.at("config")));
    config_.preset = state.value("preset", "");
    EVGEN_ASSIGN_OR_RETURN(sizes_g_, MlpSpec::FromJson(config_.sizes_generator, "config.sizes_generator"));
    EVGEN_ASSIGN_OR_RETURN(sizes_d_, MlpSpec::FromJson(config_.sizes_discriminator, "config.sizes_discriminator"));
    scaling_ = ScalingFromJson(state.at("scaling"));
    fit_summary_ = state.value("fit", json::object());
    EVGEN_ASSIGN_OR_RETURN(std::optional<GivenJetMap> given_jet, MakeGivenJetMap(config_, scaling_));
    generator_ = CloudGenerator(config_, sizes_g_, static_cast<int64_t>(config_.target_columns.size()),
                                std::move(given_jet));
    torch::serialize::InputArchive archive;
    archive.load_from(dir + "/weights.pt");
    generator_->load(archive);
    EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<JetStage> stage, JetStage::Make(config_));
    if (stage) EVGEN_RETURN_IF_ERROR(stage->Load(dir));
    SetJetStage(std::move(stage));
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("model: cannot load ", dir, ": ", e.what()));
  }
  generator_->eval();
  fitted_ = true;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> CreateCloudModel(const json& config) {
  EVGEN_ASSIGN_OR_RETURN(CloudConfig c, CloudConfig::FromJson(config));
  EVGEN_ASSIGN_OR_RETURN(MlpSpec g, MlpSpec::FromJson(c.sizes_generator, "config.sizes_generator"));
  EVGEN_ASSIGN_OR_RETURN(MlpSpec d, MlpSpec::FromJson(c.sizes_discriminator, "config.sizes_discriminator"));
  EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<JetStage> stage, JetStage::Make(c));
  return std::unique_ptr<Model>(
      std::make_unique<CloudModel>(std::move(c), std::move(g), std::move(d), std::move(stage)));
}

}  // namespace evgen
