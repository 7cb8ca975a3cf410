#include "core/models/gan_config.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/gan_presets.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& key, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("config.", key, ": ", why));
}

std::string Key(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

absl::Status ReadNumber(const json& j, const std::string& key, double low, double high,
                        double& out, const std::string& where = "") {
  if (!j.contains(key)) return absl::OkStatus();
  const json& v = j.at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < low ||
      v.get<double>() > high) {
    return Bad(Key(where, key), absl::StrCat("must be a number in [", low, ", ", high, "], got ", v.dump()));
  }
  out = v.get<double>();
  return absl::OkStatus();
}

template <typename Int>
absl::Status ReadInt(const json& j, const std::string& key, int64_t low, int64_t high, Int& out,
                     const std::string& where = "") {
  if (!j.contains(key)) return absl::OkStatus();
  const json& v = j.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < low || v.get<int64_t>() > high) {
    return Bad(Key(where, key), absl::StrCat("must be an integer in [", low, ", ", high, "], got ", v.dump()));
  }
  out = static_cast<Int>(v.get<int64_t>());
  return absl::OkStatus();
}

absl::Status ReadStrings(const json& j, const std::string& key, std::vector<std::string>& out,
                         const std::string& where = "") {
  if (!j.contains(key)) return absl::OkStatus();
  const json& v = j.at(key);
  if (!v.is_array()) return Bad(Key(where, key), "must be a list of names");
  std::vector<std::string> names;
  for (const json& s : v) {
    if (!s.is_string() || s.get<std::string>().empty()) {
      return Bad(Key(where, key), "must be a list of non-empty strings");
    }
    names.push_back(s.get<std::string>());
  }
  out = std::move(names);
  return absl::OkStatus();
}

absl::Status ReadObject(const json& j, const std::string& key, json& out) {
  if (!j.contains(key)) return absl::OkStatus();
  if (!j.at(key).is_object()) return Bad(key, "must be a JSON object");
  // Merge so a preset's object keeps the keys the override does not name.
  for (const auto& [k, v] : j.at(key).items()) out[k] = v;
  return absl::OkStatus();
}

absl::Status CheckKeys(const json& j, const std::string& where, const std::set<std::string>& allowed) {
  for (const auto& [k, v] : j.items()) {
    if (!allowed.count(k)) {
      return Bad(where.empty() ? k : where + "." + k,
                 absl::StrCat("unknown key; allowed: ", absl::StrJoin(allowed, ", ")));
    }
  }
  return absl::OkStatus();
}

std::set<std::string> LossKeys(const std::string& kind) {
  if (kind == "wgan-clip") return {"clip"};
  if (kind == "wgan-gp") return {"lambda"};
  if (kind == "lsgan") return {"a", "b", "c"};
  if (kind == "rjs-gan") return {"lambda_d"};
  return {};
}

absl::Status ReadLoss(const json& j, GanConfig& c) {
  if (!j.contains("loss")) return absl::OkStatus();
  const json& loss = j.at("loss");
  if (!loss.is_object()) return Bad("loss", "must be a JSON object");
  const std::set<std::string> allowed = LossKeys(c.kind);
  for (const auto& [k, v] : loss.items()) {
    if (!allowed.count(k)) {
      return Bad("loss." + k, absl::StrCat("does not apply to kind ", c.kind, "; its loss keys: [",
                                           absl::StrJoin(allowed, ", "), "]"));
    }
  }
  EVGEN_RETURN_IF_ERROR(ReadNumber(loss, "clip", 1e-6, 10, c.clip, "loss"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(loss, "lambda", 0, 1e6, c.gp_lambda, "loss"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(loss, "a", -1e3, 1e3, c.lsgan_a, "loss"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(loss, "b", -1e3, 1e3, c.lsgan_b, "loss"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(loss, "c", -1e3, 1e3, c.lsgan_c, "loss"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(loss, "lambda_d", 0, 1e6, c.rjs_lambda, "loss"));
  return absl::OkStatus();
}

absl::StatusOr<MmdTermSpec> ReadMmdTerm(const json& t, size_t i) {
  const std::string where = absl::StrCat("mmd[", i, "]");
  if (!t.is_object()) return Bad(where, "must be an object {particles, kernel, widths, weight}");
  EVGEN_RETURN_IF_ERROR(CheckKeys(t, where, {"particles", "kernel", "widths", "weight"}));
  MmdTermSpec term;
  EVGEN_RETURN_IF_ERROR(ReadStrings(t, "particles", term.particles, where));
  if (term.particles.size() < 2) {
    return Bad(where + ".particles", "must name at least 2 particle prefixes (e.g. [\"p1\", \"p2\"])");
  }
  if (t.contains("kernel")) {
    if (!t["kernel"].is_string() ||
        (t["kernel"] != "breit-wigner" && t["kernel"] != "gaussian")) {
      return Bad(where + ".kernel", "must be breit-wigner or gaussian");
    }
    term.kernel = t["kernel"].get<std::string>();
  }
  if (!t.contains("widths") || !t["widths"].is_array() || t["widths"].empty()) {
    return Bad(where + ".widths", "must be a non-empty list of kernel widths in GeV");
  }
  for (const json& w : t["widths"]) {
    if (!w.is_number() || !(w.get<double>() > 0) || !std::isfinite(w.get<double>())) {
      return Bad(where + ".widths", "each width must be a positive number (GeV)");
    }
    term.widths.push_back(w.get<double>());
  }
  EVGEN_RETURN_IF_ERROR(ReadNumber(t, "weight", 0, 1e6, term.weight, where));
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

absl::Status ReadMmdRamp(const json& j, GanConfig& c) {
  if (!j.contains("lambda_g_ramp")) return absl::OkStatus();
  const json& ramp = j.at("lambda_g_ramp");
  if (!ramp.is_object()) return Bad("lambda_g_ramp", "must be a JSON object {\"from\": step, \"to\": step}");
  EVGEN_RETURN_IF_ERROR(CheckKeys(ramp, "lambda_g_ramp", {"from", "to"}));
  EVGEN_RETURN_IF_ERROR(ReadInt(ramp, "from", 0, int64_t{1} << 40, c.mmd_ramp_from, "lambda_g_ramp"));
  EVGEN_RETURN_IF_ERROR(ReadInt(ramp, "to", 0, int64_t{1} << 40, c.mmd_ramp_to, "lambda_g_ramp"));
  if (c.mmd_ramp_to < c.mmd_ramp_from) {
    return Bad("lambda_g_ramp.to", absl::StrCat("must be >= lambda_g_ramp.from (", c.mmd_ramp_from, "), got ",
                                                c.mmd_ramp_to));
  }
  return absl::OkStatus();
}

absl::Status ReadOptimizer(const json& j, OptimizerSpec& o) {
  if (!j.contains("optimizer")) return absl::OkStatus();
  const json& opt = j.at("optimizer");
  if (!opt.is_object()) return Bad("optimizer", "must be a JSON object");
  EVGEN_RETURN_IF_ERROR(
      CheckKeys(opt, "optimizer", {"name", "lr_g", "lr_d", "beta1", "beta2", "alpha", "lr_decay_to", "generator_ema"}));
  if (opt.contains("name")) {
    if (!opt["name"].is_string() || (opt["name"] != "adam" && opt["name"] != "rmsprop")) {
      return Bad("optimizer.name", "must be adam or rmsprop");
    }
    o.name = opt["name"].get<std::string>();
  }
  EVGEN_RETURN_IF_ERROR(ReadNumber(opt, "lr_g", 1e-9, 1, o.lr_g, "optimizer"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(opt, "lr_d", 1e-9, 1, o.lr_d, "optimizer"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(opt, "beta1", 0, 0.999999, o.beta1, "optimizer"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(opt, "beta2", 0, 0.999999, o.beta2, "optimizer"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(opt, "alpha", 0, 0.999999, o.alpha, "optimizer"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(opt, "lr_decay_to", 1e-6, 1, o.lr_decay_to, "optimizer"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(opt, "generator_ema", 0, 0.999999, o.generator_ema, "optimizer"));
  return absl::OkStatus();
}

absl::Status ReadValidation(const json& j, ValidationSpec& v) {
  if (!j.contains("validation")) return absl::OkStatus();
  const json& val = j.at("validation");
  if (!val.is_object()) return Bad("validation", "must be a JSON object");
  EVGEN_RETURN_IF_ERROR(CheckKeys(val, "validation", {"fraction", "every", "patience", "rows", "correlation_weight"}));
  EVGEN_RETURN_IF_ERROR(ReadNumber(val, "fraction", 0, 0.5, v.fraction, "validation"));
  EVGEN_RETURN_IF_ERROR(ReadInt(val, "every", 1, int64_t{1} << 40, v.every, "validation"));
  EVGEN_RETURN_IF_ERROR(ReadInt(val, "patience", 0, 1000000, v.patience, "validation"));
  EVGEN_RETURN_IF_ERROR(ReadInt(val, "rows", 100, 10000000, v.rows, "validation"));
  EVGEN_RETURN_IF_ERROR(ReadNumber(val, "correlation_weight", 0, 1e6, v.correlation_weight, "validation"));
  return absl::OkStatus();
}

const std::set<std::string>& TopKeys() {
  static const std::set<std::string> keys = {
      "preset",   "condition_columns", "target_columns", "transforms", "noise",
      "generator", "discriminator",    "loss",           "mmd",        "lambda_g",  "lambda_g_ramp",
      "optimizer", "n_critic",         "batch_size",     "steps",      "epochs",
      "validation", "checkpoint_every", "sampling_dropout"};
  return keys;
}

absl::Status ApplyKeys(const json& j, GanConfig& c) {
  EVGEN_RETURN_IF_ERROR(CheckKeys(j, "", TopKeys()));
  EVGEN_RETURN_IF_ERROR(ReadStrings(j, "condition_columns", c.condition_columns));
  EVGEN_RETURN_IF_ERROR(ReadStrings(j, "target_columns", c.target_columns));
  if (j.contains("transforms")) {
    if (!j["transforms"].is_array()) return Bad("transforms", "must be a list of transforms");
    c.transforms = j["transforms"];
  }
  EVGEN_RETURN_IF_ERROR(ReadObject(j, "noise", c.noise));
  EVGEN_RETURN_IF_ERROR(ReadObject(j, "generator", c.generator));
  EVGEN_RETURN_IF_ERROR(ReadObject(j, "discriminator", c.discriminator));
  EVGEN_RETURN_IF_ERROR(ReadLoss(j, c));
  EVGEN_RETURN_IF_ERROR(ReadMmd(j, c));
  EVGEN_RETURN_IF_ERROR(ReadNumber(j, "lambda_g", 0, 1e6, c.mmd_lambda));
  EVGEN_RETURN_IF_ERROR(ReadMmdRamp(j, c));
  EVGEN_RETURN_IF_ERROR(ReadOptimizer(j, c.optimizer));
  EVGEN_RETURN_IF_ERROR(ReadInt(j, "n_critic", 1, 100, c.n_critic));
  EVGEN_RETURN_IF_ERROR(ReadInt(j, "batch_size", 2, 1 << 20, c.batch_size));
  EVGEN_RETURN_IF_ERROR(ReadInt(j, "steps", 1, int64_t{1} << 40, c.steps));
  EVGEN_RETURN_IF_ERROR(ReadInt(j, "epochs", 0, 1000000, c.epochs));
  if (j.contains("steps") && j.contains("epochs") && c.epochs > 0) {
    return Bad("epochs", "give either steps or epochs, not both");
  }
  if (j.contains("steps")) c.epochs = 0;
  EVGEN_RETURN_IF_ERROR(ReadValidation(j, c.validation));
  EVGEN_RETURN_IF_ERROR(ReadInt(j, "checkpoint_every", 1, int64_t{1} << 40, c.checkpoint_every));
  if (j.contains("sampling_dropout")) {
    if (!j["sampling_dropout"].is_boolean()) return Bad("sampling_dropout", "must be true or false");
    c.sampling_dropout = j["sampling_dropout"].get<bool>();
  }
  return absl::OkStatus();
}

absl::Status CheckColumns(const GanConfig& c) {
  if (c.target_columns.empty()) {
    return Bad("target_columns", "required: the columns the generator produces");
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
      return Bad("discriminator.output", "a Wasserstein critic's output must be linear");
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
              {"correlation_weight", validation.correlation_weight}}},
            {"checkpoint_every", checkpoint_every},
            {"sampling_dropout", sampling_dropout}};
  if (epochs > 0) {
    j["epochs"] = epochs;
  } else {
    j["steps"] = steps;
  }
  return j;
}

}  // namespace evgen
