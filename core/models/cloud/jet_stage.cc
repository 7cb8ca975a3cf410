#include "core/models/cloud/jet_stage.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "core/models/conditions_stage.h"
#include "core/models/model_family.h"
#include "core/models/model_registry.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

using nlohmann::json;

constexpr const char* kStageDir = "jet-stage";

absl::Status Bad(const std::string& key, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("config.jet_stage.", key, " ", why));
}

// Under: the stage's family names the fields of the stage's own config
// ("config.steps ...", "unknown key 'config.stpes'") and the registry the
// field "kind"; here they are fields of config.jet_stage.
absl::Status Under(const absl::Status& s) {
  std::string m = absl::StrReplaceAll(s.message(), {{"'config.", "'config.jet_stage.config."}});
  if (absl::StartsWith(m, "config") || absl::StartsWith(m, "kind")) {
    m = absl::StrCat("config.jet_stage.", m);
  } else {
    m = absl::StrCat("config.jet_stage: ", m);
  }
  return absl::Status(s.code(), m);
}

// Offset: a stage's progress report as a step of the whole job, after the
// set stage's `offset` steps, its losses and message marked as the stage's.
TrainingProgress Offset(const TrainingProgress& p, int64_t offset) {
  TrainingProgress q = p;
  q.step += offset;
  q.total_steps += offset;
  q.losses.clear();
  for (const auto& [name, value] : p.losses) q.losses[absl::StrCat("jet_stage.", name)] = value;
  q.message = p.message.empty() ? "jet stage" : absl::StrCat("jet stage: ", p.message);
  return q;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JetStage>> JetStage::Make(const CloudConfig& config) {
  const JetStageSpec& spec = config.jet_stage;
  if (spec.kind.empty()) return std::unique_ptr<JetStage>();
  absl::StatusOr<std::unique_ptr<Model>> model = CreateModel(spec.kind, spec.config);
  if (!model.ok()) return Under(model.status());
  if ((*model)->samples_sets()) {
    return Bad("kind", absl::StrCat("'", spec.kind, "' generates sets; the jet stage draws one row per jet ",
                                    "(e.g. flow-rqs)"));
  }
  const std::vector<std::string>& all = config.condition_columns;
  for (const std::string& target : (*model)->target_columns()) {
    if (ColumnPosition(all, target) < 0) {
      return Bad("config.target_columns",
                 absl::StrCat("'", target, "' is not a condition column of the jet-cloud model ([",
                              absl::StrJoin(all, ", "), "]); the stage draws the jets the constituents are ",
                              "generated for"));
    }
  }
  std::vector<std::string> asked;
  for (const std::string& c : all) {
    if (ColumnPosition((*model)->target_columns(), c) < 0) asked.push_back(c);
  }
  for (const std::string& c : (*model)->condition_columns()) {
    if (ColumnPosition(asked, c) < 0) {
      return Bad("config.condition_columns",
                 absl::StrCat("'", c, "' is not a condition the jet-cloud model is given; the stage may be ",
                              "conditioned only on [", absl::StrJoin(asked, ", "), "]"));
    }
  }
  return std::unique_ptr<JetStage>(new JetStage(std::move(*model), all, std::move(asked)));
}

absl::StatusOr<json> JetStage::ResolvedConfig(const CloudConfig& config) {
  const JetStageSpec& spec = config.jet_stage;
  if (spec.kind.empty()) return json::object();
  absl::StatusOr<const ModelFamily*> family = FindModelFamily(spec.kind);
  if (!family.ok()) return Under(family.status());
  absl::StatusOr<json> resolved = (*family)->ResolveConfig(spec.kind, spec.config);
  if (!resolved.ok()) return Under(resolved.status());
  return json{{"kind", spec.kind}, {"config", *resolved}};
}

absl::Status JetStage::Fit(const Table& train, const std::vector<int64_t>& jet_rows, const FitContext& ctx,
                           int64_t step_offset) {
  FitContext stage;
  // The job's seed: the stage's family keys its own streams on it, apart
  // from the set stage's, and the stage is then the model a two-model run
  // (scripts/cloud-two-stage.sh) trains with that seed on the same rows.
  stage.seed = ctx.seed;
  stage.device = ctx.device;
  stage.cancelled = ctx.cancelled;
  stage.checkpoint_every = ctx.checkpoint_every;
  if (!ctx.checkpoint_path.empty()) stage.checkpoint_path = absl::StrCat(ctx.checkpoint_path, ".", kStageDir);
  stage.on_progress = [&ctx, step_offset](const TrainingProgress& p) { ctx.on_progress(Offset(p, step_offset)); };
  stage.on_checkpoint = [&ctx, step_offset](int64_t step) { ctx.on_checkpoint(step + step_offset); };
  const absl::Status fitted = model_->Fit(train.SelectRows(jet_rows), stage);
  if (fitted.ok()) return fitted;
  return absl::Status(fitted.code(), absl::StrCat("jet stage (", model_->kind(), "): ", fitted.message()));
}

absl::StatusOr<Table> JetStage::Conditions(const Table& given, int64_t rows, uint64_t seed, int64_t first) const {
  const bool conditional = !model_->condition_columns().empty();
  EVGEN_ASSIGN_OR_RETURN(const Table drawn, model_->Sample(conditional ? given : Table(), rows,
                                                           DeriveSeed(seed, kConditionsStageLabel), first));
  std::vector<const Table*> source;
  std::vector<int> index;
  for (const std::string& c : all_) {
    source.push_back(ColumnPosition(asked_, c) >= 0 ? &given : &drawn);
    index.push_back(*source.back()->ColumnIndex(c));
  }
  Table out(all_);
  out.Reserve(rows);
  std::vector<float> row(all_.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t k = 0; k < all_.size(); ++k) row[k] = source[k]->at(r, index[k]);
    out.AppendRow(row.data());
  }
  return out;
}

absl::Status JetStage::Save(const std::string& dir) const {
  const std::string sub = absl::StrCat(dir, "/", kStageDir);
  std::error_code ec;
  std::filesystem::create_directories(sub, ec);
  if (ec) return absl::InternalError(absl::StrCat("model: cannot create ", sub, ": ", ec.message()));
  return model_->Save(sub);
}

absl::Status JetStage::Load(const std::string& dir) { return model_->Load(absl::StrCat(dir, "/", kStageDir)); }

}  // namespace evgen
