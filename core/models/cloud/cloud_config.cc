#include "core/models/cloud/cloud_config.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "core/models/cloud/cloud_constants.h"
#include "core/models/cloud/cloud_presets.h"
#include "core/models/nn/mlp.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& key, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("config.", key, " ", why));
}

void ReadSetNet(ConfigReader& r, SetNetSpec& spec, bool discriminator) {
  r.Integers("blocks", spec.blocks, 1, cloud::kMaxWidth)
      .Require(!spec.blocks.empty(), "blocks", "must list at least one ISAB block width")
      .Integer("heads", spec.heads, 1, 64)
      .Integer("inducing", spec.inducing, 1, 1024)
      .Number("leaky_slope", spec.leaky_slope, Interval::Closed(0, 1));
  if (discriminator) r.Integers("head", spec.head, 1, cloud::kMaxWidth);
  for (size_t i = 0; i < spec.blocks.size(); ++i) {
    r.Require(spec.blocks[i] % spec.heads == 0, "blocks",
              absl::StrCat("[", i, "] = ", spec.blocks[i], " must be a multiple of heads (", spec.heads, ")"));
  }
}

json SetNetToJson(const SetNetSpec& spec, bool discriminator) {
  json j = {{"blocks", spec.blocks}, {"heads", spec.heads}, {"inducing", spec.inducing},
            {"leaky_slope", spec.leaky_slope}};
  if (discriminator) j["head"] = spec.head;
  return j;
}

// OffJetStage: an empty jet_stage.kind is no stage, also over a preset's
// (its config is dropped); a config given for no kind is refused, not
// dropped silently.
absl::Status OffJetStage(const json& j, CloudConfig& c) {
  if (!c.jet_stage.kind.empty()) return absl::OkStatus();
  if (j.contains("jet_stage") && j["jet_stage"].contains("config")) {
    return Bad("jet_stage.config", "is given without config.jet_stage.kind; name the stage's model kind "
                                   "(e.g. \"flow-rqs\") or leave both out");
  }
  c.jet_stage.config = json::object();
  return absl::OkStatus();
}

// ApplyKeys reads every key of `j` over `c` (a preset's values or the
// defaults); "preset" itself was applied by the caller.
bool Has(const std::vector<std::string>& columns, const std::string& name) { return ColumnPosition(columns, name) >= 0; }

absl::Status ApplyKeys(const json& j, CloudConfig& c) {
  ConfigReader r(j, "config");
  r.Ignore("preset")
      .Strings("target_columns", c.target_columns)
      .Strings("condition_columns", c.condition_columns)
      .Integer("max_constituents", c.max_constituents, 1, cloud::kMaxConstituentsLimit)
      .Child("noise",
             [&c](ConfigReader& n) {
               n.Integer("global_dim", c.global_noise_dim, 1, cloud::kMaxWidth)
                   .Integer("member_dim", c.member_noise_dim, 1, cloud::kMaxWidth);
             })
      .Number("tau", c.tau, Interval::Closed(1e-3, 100))
      .Object("sizes_generator", c.sizes_generator)
      .Object("sizes_discriminator", c.sizes_discriminator)
      .Child("set_generator", [&c](ConfigReader& s) { ReadSetNet(s, c.set_generator, false); })
      .Child("set_discriminator", [&c](ConfigReader& s) { ReadSetNet(s, c.set_discriminator, true); })
      .Bool("spectral_norm", c.spectral_norm)
      .Bool("jet_features", c.jet_features)
      .Bool("jet_shapes", c.jet_shapes)
      .Numbers("local_density", c.local_density, Interval::Closed(1e-3, 10))
      .Require(c.local_density.size() <= cloud::kMaxDensityScales, "local_density",
               absl::StrCat("lists ", c.local_density.size(), " scales; at most ", cloud::kMaxDensityScales))
      .Numbers("pair_angles", c.pair_angles, Interval::Closed(1, cloud::kMaxPairPower))
      .Require(c.pair_angles.size() <= cloud::kMaxPairPowers, "pair_angles",
               absl::StrCat("lists ", c.pair_angles.size(), " powers; at most ", cloud::kMaxPairPowers))
      .Bool("jet_efps", c.jet_efps)
      .Child("efp_mmd",
             [&c](ConfigReader& m) {
               m.Number("weight", c.efp_mmd_weight, Interval::Closed(0, cloud::kMaxMmdWeight))
                   .Numbers("widths", c.efp_mmd_widths, Interval::Closed(1e-2, 100))
                   .Integer("edges", c.efp_mmd_edges, 3, 4)
                   .Bool("shapes", c.efp_mmd_shapes)
                   .Bool("whiten", c.efp_mmd_whiten)
                   .Require(!c.efp_mmd_widths.empty() && c.efp_mmd_widths.size() <= cloud::kMaxMmdWidths, "widths",
                            absl::StrCat("lists ", c.efp_mmd_widths.size(), " kernel widths; 1 to ",
                                         cloud::kMaxMmdWidths));
             })
      .Bool("pt_shares", c.pt_shares)
      .Bool("mass_given", c.mass_given)
      .Number("jet_radius", c.jet_radius, Interval::Closed(0, cloud::kMaxJetRadius))
      .Child("jet_stage",
             [&c](ConfigReader& s) {
               s.String("kind", c.jet_stage.kind, /*may_be_empty=*/true).Object("config", c.jet_stage.config);
             })
      .Child("loss",
             [&c](ConfigReader& l) {
               l.Number("a", c.lsgan_a, Interval::Closed(-1e3, 1e3))
                   .Number("b", c.lsgan_b, Interval::Closed(-1e3, 1e3))
                   .Number("c", c.lsgan_c, Interval::Closed(-1e3, 1e3));
             })
      .Child("optimizer",
             [&c](ConfigReader& o) {
               o.Number("lr_g", c.lr_g, Interval::OpenClosed(0, 1))
                   .Number("lr_d", c.lr_d, Interval::OpenClosed(0, 1))
                   .Number("alpha", c.rmsprop_alpha, Interval::ClosedOpen(0, 1))
                   .Number("generator_ema", c.generator_ema, Interval::ClosedOpen(0, 1));
             })
      .Child("schedule",
             [&c](ConfigReader& s) {
               s.Integer("discriminator", c.discriminator_updates, 1, 100)
                   .Integer("generator", c.generator_updates, 1, 100)
                   .Require(c.generator_updates <= c.discriminator_updates, "generator",
                            absl::StrCat("must be at most schedule.discriminator (", c.discriminator_updates,
                                         "): generator updates ride on discriminator steps, got ",
                                         c.generator_updates));
             })
      .Integer("batch_size", c.batch_size, 2, 1 << 16)
      .Integer("sizes_batch_size", c.sizes_batch_size, 0, 1 << 16)
      .Integer("steps", c.steps, 1, cloud::kMaxSteps)
      .Integer("evaluate_every", c.evaluate_every, 1, cloud::kMaxSteps)
      .Integer("checkpoint_every", c.checkpoint_every, 1, cloud::kMaxSteps);
  EVGEN_RETURN_IF_ERROR(r.Finish());
  return OffJetStage(j, c);
}

// CheckGivenJet: pt_shares and mass_given name the columns they read.
absl::Status CheckGivenJet(const CloudConfig& c) {
  if (c.mass_given && !c.pt_shares) {
    return Bad("mass_given", "needs config.pt_shares: the mass is scaled with the pT shared along the axis");
  }
  if (c.jet_radius > 0 && !c.mass_given) {
    return Bad("jet_radius", "needs config.mass_given: the members are pulled within the radius as the mass is met");
  }
  if (!c.pt_shares) return absl::OkStatus();
  std::vector<const char*> targets = {cloud::kLogPtColumn, cloud::kPhiColumn};
  std::vector<const char*> conditions = {cloud::kJetPtCondition};
  if (c.mass_given) {
    targets.push_back(cloud::kEtaColumn);
    conditions.push_back(cloud::kJetMassCondition);
  }
  const char* key = c.mass_given ? "mass_given" : "pt_shares";
  for (const char* name : targets) {
    if (!Has(c.target_columns, name)) {
      return Bad(key, absl::StrCat("needs the target column '", name, "' (the jet's momentum is made from log_pt, ",
                                   "eta_rel and phi_rel); config.target_columns has no '", name, "'"));
    }
  }
  for (const char* name : conditions) {
    if (!Has(c.condition_columns, name)) {
      return Bad(key, absl::StrCat("needs the condition column '", name, "' (the jet the constituents make); ",
                                   "add it to config.condition_columns"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckColumns(const CloudConfig& c) {
  if (c.target_columns.empty()) {
    return Bad("target_columns", "must name at least one per-constituent column (e.g. log_pt)");
  }
  const std::pair<bool, const char*> options[] = {
      {c.jet_features, "jet_features"},
      {c.jet_shapes, "jet_shapes"},
      {!c.local_density.empty(), "local_density"},
      {!c.pair_angles.empty(), "pair_angles"},
      {c.jet_efps, "jet_efps"},
      {c.efp_mmd_weight > 0, "efp_mmd"}};
  for (const auto& [on, key] : options) {
    if (!on) continue;
    for (const char* name : cloud::kJetFeatureColumns) {
      if (!Has(c.target_columns, name)) {
        return Bad(key,
                   absl::StrCat("needs target columns log_pt, eta_rel and phi_rel (the jet's features are summed ",
                                "from them); config.target_columns has no '", name, "'"));
      }
    }
  }
  EVGEN_RETURN_IF_ERROR(CheckGivenJet(c));
  std::set<std::string> seen;
  for (const auto* list : {&c.target_columns, &c.condition_columns}) {
    const char* key = list == &c.target_columns ? "target_columns" : "condition_columns";
    for (const std::string& name : *list) {
      if (name == cloud::kJetColumn || name == cloud::kConstituentColumn || name == cloud::kSizeColumn) {
        return Bad(key, absl::StrCat("may not hold '", name, "': the model writes jet, constituent and ",
                                     "n_constituents itself"));
      }
      if (!seen.insert(name).second) {
        return Bad(key, absl::StrCat("column '", name, "' appears twice (or as both condition and target)"));
      }
    }
  }
  return absl::OkStatus();
}

// CheckSizesNetworks reads the two sizes MLP specs so that their errors
// show at config time.
absl::Status CheckSizesNetworks(const CloudConfig& c) {
  EVGEN_ASSIGN_OR_RETURN(MlpSpec g, MlpSpec::FromJson(c.sizes_generator, "config.sizes_generator"));
  EVGEN_ASSIGN_OR_RETURN(MlpSpec d, MlpSpec::FromJson(c.sizes_discriminator, "config.sizes_discriminator"));
  if (g.output != "linear") return Bad("sizes_generator.output", "must be linear: it gives logits");
  if (g.dropout > 0 || d.dropout > 0) {
    return Bad(g.dropout > 0 ? "sizes_generator.dropout" : "sizes_discriminator.dropout",
               "must be 0: the jet-cloud GAN draws no dropout masks");
  }
  if (d.output != "linear") return Bad("sizes_discriminator.output", "must be linear: LSGAN scores are unbounded");
  if (d.spectral_norm) {
    return Bad("sizes_discriminator.spectral_norm", "is set by config.spectral_norm for both discriminators");
  }
  return absl::OkStatus();
}

}  // namespace

int64_t ColumnPosition(const std::vector<std::string>& columns, const std::string& name) {
  const auto it = std::find(columns.begin(), columns.end(), name);
  return it == columns.end() ? -1 : static_cast<int64_t>(it - columns.begin());
}

absl::StatusOr<CloudConfig> CloudConfig::FromJson(const json& j) {
  if (!j.is_null() && !j.is_object()) return absl::InvalidArgumentError("config must be a JSON object");
  CloudConfig c;
  if (j.is_object() && j.contains("preset")) {
    if (!j["preset"].is_string()) return Bad("preset", "must be a preset name");
    c.preset = j["preset"].get<std::string>();
    EVGEN_ASSIGN_OR_RETURN(ModelPreset preset, FindCloudPreset(c.preset));
    EVGEN_RETURN_IF_ERROR(ApplyKeys(preset.config, c));
  }
  EVGEN_RETURN_IF_ERROR(ApplyKeys(j, c));
  EVGEN_RETURN_IF_ERROR(CheckColumns(c));
  EVGEN_RETURN_IF_ERROR(CheckSizesNetworks(c));
  return c;
}

json CloudConfig::ToJson() const {
  json j = {{"target_columns", target_columns},
            {"condition_columns", condition_columns},
            {"max_constituents", max_constituents},
            {"noise", {{"global_dim", global_noise_dim}, {"member_dim", member_noise_dim}}},
            {"tau", tau},
            {"sizes_generator", sizes_generator},
            {"sizes_discriminator", sizes_discriminator},
            {"set_generator", SetNetToJson(set_generator, false)},
            {"set_discriminator", SetNetToJson(set_discriminator, true)},
            {"spectral_norm", spectral_norm},
            {"jet_features", jet_features},
            {"jet_shapes", jet_shapes},
            {"local_density", local_density},
            {"pair_angles", pair_angles},
            {"pt_shares", pt_shares},
            {"mass_given", mass_given},
            {"jet_radius", jet_radius},
            {"loss", {{"a", lsgan_a}, {"b", lsgan_b}, {"c", lsgan_c}}},
            {"optimizer", {{"lr_g", lr_g}, {"lr_d", lr_d}, {"alpha", rmsprop_alpha}}},
            {"schedule", {{"discriminator", discriminator_updates}, {"generator", generator_updates}}},
            {"batch_size", batch_size},
            {"sizes_batch_size", sizes_batch_size},
            {"steps", steps},
            {"evaluate_every", evaluate_every},
            {"checkpoint_every", checkpoint_every}};
  // Only with a stage, an average, the EFPs or their MMD, so that the configs stored without
  // them read as before.
  if (!jet_stage.kind.empty()) j["jet_stage"] = {{"kind", jet_stage.kind}, {"config", jet_stage.config}};
  if (generator_ema > 0) j["optimizer"]["generator_ema"] = generator_ema;
  if (jet_efps) j["jet_efps"] = true;
  if (efp_mmd_weight > 0) {
    j["efp_mmd"] = {{"weight", efp_mmd_weight}, {"widths", efp_mmd_widths}, {"edges", efp_mmd_edges}};
    if (efp_mmd_shapes) j["efp_mmd"]["shapes"] = true;
    if (efp_mmd_whiten) j["efp_mmd"]["whiten"] = true;
  }
  return j;
}

}  // namespace evgen
