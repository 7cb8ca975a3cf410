#include "core/models/gan/gan_config.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/gan/gan_presets.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& key, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(key.empty() ? "config" : "config." + key, " ", why));
}

constexpr int64_t kMaxSteps = int64_t{1} << 40;

// ReadLoss reads only the loss keys of the config's kind, so a key of
// another kind's loss is refused as unknown.
void ReadLoss(ConfigReader& loss, GanConfig& c) {
  if (c.kind == "wgan-clip") loss.Number("clip", c.clip, Interval::Closed(1e-6, 10));
  if (c.kind == "wgan-gp") loss.Number("lambda", c.gp_lambda, Interval::Closed(0, 1e6));
  if (c.kind == "lsgan") {
    loss.Number("a", c.lsgan_a, Interval::Closed(-1e3, 1e3))
        .Number("b", c.lsgan_b, Interval::Closed(-1e3, 1e3))
        .Number("c", c.lsgan_c, Interval::Closed(-1e3, 1e3));
  }
  if (c.kind == "rjs-gan") loss.Number("lambda_d", c.rjs_lambda, Interval::Closed(0, 1e6));
}

absl::StatusOr<MmdTermSpec> ReadMmdTerm(const json& t, size_t i) {
  ConfigReader r(t, absl::StrCat("config.mmd[", i, "]"));
  MmdTermSpec term;
  r.Strings("particles", term.particles)
      .Require(term.particles.size() >= 2, "particles",
               "must name at least 2 particle prefixes (e.g. [\"p1\", \"p2\"])")
      .Choice("kernel", term.kernel, {"breit-wigner", "gaussian"})
      .Numbers("widths", term.widths, Interval::Open(0, 1e308), 1)
      .Require(!term.widths.empty(), "widths", "must be a non-empty list of kernel widths in GeV")
      .Number("weight", term.weight, Interval::Closed(0, 1e6));
  EVGEN_RETURN_IF_ERROR(r.Finish());
  return term;
}

absl::Status ReadMmd(const json& j, GanConfig& c) {
  if (!j.contains("mmd")) return absl::OkStatus();
  if (!j["mmd"].is_array()) return Bad("mmd", "must be a list of MMD terms");
  c.mmd.clear();
  for (size_t i = 0; i < j["mmd"].size(); ++i) {
    EVGEN_ASSIGN_OR_RETURN(MmdTermSpec term, ReadMmdTerm(j["mmd"][i], i));
    c.mmd.push_back(std::move(term));
  }
  return absl::OkStatus();
}

void ReadOptimizer(ConfigReader& o, OptimizerSpec& spec) {
  o.Choice("name", spec.name, {"adam", "rmsprop"})
      .Number("lr_g", spec.lr_g, Interval::OpenClosed(0, 1))
      .Number("lr_d", spec.lr_d, Interval::OpenClosed(0, 1))
      .Number("beta1", spec.beta1, Interval::ClosedOpen(0, 1))
      .Number("beta2", spec.beta2, Interval::ClosedOpen(0, 1))
      .Number("alpha", spec.alpha, Interval::ClosedOpen(0, 1))
      .Number("lr_decay_to", spec.lr_decay_to, Interval::OpenClosed(0, 1))
      .Number("generator_ema", spec.generator_ema, Interval::ClosedOpen(0, 1));
}

void ReadValidation(ConfigReader& v, ValidationSpec& spec) {
  v.Number("fraction", spec.fraction, Interval::Closed(0, 0.5))
      .Integer("every", spec.every, 1, kMaxSteps)
      .Integer("patience", spec.patience, 0, 1000000)
      .Integer("rows", spec.rows, 100, 10000000)
      .Number("correlation_weight", spec.correlation_weight, Interval::Closed(0, 1e6))
      .Numbers("tail_quantiles", spec.tail_quantiles, Interval::Open(0, 1));
}

// ApplyKeys reads every key of `j` over `c` (a preset's values or the
// defaults); "preset" itself was applied by the caller.
absl::Status ApplyKeys(const json& j, GanConfig& c) {
  ConfigReader r(j, "config");
  r.Ignore("preset")
      .Strings("condition_columns", c.condition_columns)
      .Strings("target_columns", c.target_columns)
      .Array("transforms", c.transforms)
      .Object("noise", c.noise)
      .Object("generator", c.generator)
      .Object("discriminator", c.discriminator)
      .Child("loss", [&c](ConfigReader& loss) { ReadLoss(loss, c); })
      .Ignore("mmd")
      .Number("lambda_g", c.mmd_lambda, Interval::Closed(0, 1e6))
      .Child("lambda_g_ramp",
             [&c](ConfigReader& ramp) {
               ramp.Integer("from", c.mmd_ramp_from, 0, kMaxSteps).Integer("to", c.mmd_ramp_to, 0, kMaxSteps);
             })
      .Require(c.mmd_ramp_to >= c.mmd_ramp_from, "lambda_g_ramp.to",
               absl::StrCat("must be >= lambda_g_ramp.from (", c.mmd_ramp_from, "), got ", c.mmd_ramp_to))
      .Child("optimizer", [&c](ConfigReader& o) { ReadOptimizer(o, c.optimizer); })
      .Integer("n_critic", c.n_critic, 1, 100)
      .Integer("batch_size", c.batch_size, 2, 1 << 20)
      .Integer("steps", c.steps, 1, kMaxSteps)
      .Integer("epochs", c.epochs, 0, 1000000)
      .Require(!(j.contains("steps") && j.contains("epochs") && c.epochs > 0), "epochs",
               "and steps: give either steps or epochs, not both")
      .Child("validation", [&c](ConfigReader& v) { ReadValidation(v, c.validation); })
      .Integer("checkpoint_every", c.checkpoint_every, 1, kMaxSteps)
      .Bool("sampling_dropout", c.sampling_dropout)
      .Integer("sample_block_rows", c.sample_block_rows, 64, 65536)
      .Require((c.sample_block_rows & (c.sample_block_rows - 1)) == 0, "sample_block_rows",
               absl::StrCat("must be a power of two from 64 to 65536, got ", c.sample_block_rows));
  EVGEN_RETURN_IF_ERROR(r.Finish());
  if (j.contains("steps")) c.epochs = 0;
  return ReadMmd(j, c);
}

absl::Status CheckColumns(const GanConfig& c) {
  if (c.target_columns.empty()) {
    return Bad("target_columns", "is required: the columns the generator produces");
  }
  std::set<std::string> seen;
  for (const auto* list : {&c.condition_columns, &c.target_columns}) {
    for (const std::string& name : *list) {
      if (!seen.insert(name).second) {
        return Bad(list == &c.target_columns ? "target_columns" : "condition_columns",
                   absl::StrCat("column '", name, "' appears twice (or as both condition and target)"));
      }
    }
  }
  if (c.kind == "wgan-clip" || c.kind == "wgan-gp" || c.kind == "wgan-u1") {
    if (c.discriminator.contains("output") && c.discriminator["output"] != "linear") {
      return Bad("discriminator.output", "must be linear: a Wasserstein critic's output is unbounded");
    }
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& GanKinds() {
  static const std::vector<std::string> kinds = {"gan",     "lsgan",    "rjs-gan",
                                                 "wgan-clip", "wgan-gp", "wgan-u1"};
  return kinds;
}

bool IsGanKind(const std::string& kind) {
  const auto& k = GanKinds();
  return std::find(k.begin(), k.end(), kind) != k.end();
}

std::string MmdTermSpec::Name() const { return absl::StrCat("mmd_m(", absl::StrJoin(particles, "+"), ")"); }

absl::StatusOr<GanConfig> GanConfig::FromJson(const std::string& kind, const json& j) {
  if (!IsGanKind(kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat("kind: '", kind, "' is not a GAN kind; allowed: ", absl::StrJoin(GanKinds(), ", ")));
  }
  if (!j.is_object()) return Bad("", "must be a JSON object");
  GanConfig c;
  c.kind = kind;
  if (j.contains("preset")) {
    if (!j["preset"].is_string()) return Bad("preset", "must be a preset name");
    c.preset = j["preset"].get<std::string>();
    EVGEN_ASSIGN_OR_RETURN(GanPreset preset, FindGanPreset(c.preset));
    if (preset.kind != kind) {
      return Bad("preset", absl::StrCat("'", c.preset, "' is a ", preset.kind, " preset; train it as kind ",
                                        preset.kind, ", not ", kind));
    }
    EVGEN_RETURN_IF_ERROR(ApplyKeys(preset.config, c));
  }
  EVGEN_RETURN_IF_ERROR(ApplyKeys(j, c));
  EVGEN_RETURN_IF_ERROR(CheckColumns(c));
  return c;
}

double GanConfig::MmdLambdaAt(int64_t step) const {
  if (step < mmd_ramp_from) return 0;
  if (step >= mmd_ramp_to) return mmd_lambda;
  return mmd_lambda * static_cast<double>(step - mmd_ramp_from) / static_cast<double>(mmd_ramp_to - mmd_ramp_from);
}

json GanConfig::ToJson() const {
  json loss = json::object();
  if (kind == "wgan-clip") loss["clip"] = clip;
  if (kind == "wgan-gp") loss["lambda"] = gp_lambda;
  if (kind == "lsgan") loss = {{"a", lsgan_a}, {"b", lsgan_b}, {"c", lsgan_c}};
  if (kind == "rjs-gan") loss["lambda_d"] = rjs_lambda;
  json mmd_terms = json::array();
  for (const MmdTermSpec& t : mmd) {
    mmd_terms.push_back(
        {{"particles", t.particles}, {"kernel", t.kernel}, {"widths", t.widths}, {"weight", t.weight}});
  }
  json j = {{"condition_columns", condition_columns},
            {"target_columns", target_columns},
            {"transforms", transforms},
            {"noise", noise},
            {"generator", generator},
            {"discriminator", discriminator},
            {"loss", loss},
            {"mmd", mmd_terms},
            {"lambda_g", mmd_lambda},
            {"lambda_g_ramp", {{"from", mmd_ramp_from}, {"to", mmd_ramp_to}}},
            {"optimizer",
             {{"name", optimizer.name},
              {"lr_g", optimizer.lr_g},
              {"lr_d", optimizer.lr_d},
              {"beta1", optimizer.beta1},
              {"beta2", optimizer.beta2},
              {"alpha", optimizer.alpha},
              {"lr_decay_to", optimizer.lr_decay_to},
              {"generator_ema", optimizer.generator_ema}}},
            {"n_critic", n_critic},
            {"batch_size", batch_size},
            {"validation",
             {{"fraction", validation.fraction},
              {"every", validation.every},
              {"patience", validation.patience},
              {"rows", validation.rows},
              {"correlation_weight", validation.correlation_weight},
              {"tail_quantiles", validation.tail_quantiles}}},
            {"checkpoint_every", checkpoint_every},
            {"sampling_dropout", sampling_dropout},
            {"sample_block_rows", sample_block_rows}};
  if (epochs > 0) {
    j["epochs"] = epochs;
  } else {
    j["steps"] = steps;
  }
  return j;
}

}  // namespace evgen
