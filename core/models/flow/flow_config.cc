#include "core/models/flow/flow_config.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/flow/flow_presets.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

using nlohmann::json;

constexpr int64_t kMaxSteps = int64_t{1} << 40;

absl::Status Bad(const std::string& key, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(key.empty() ? "config" : "config." + key, " ", why));
}

void ReadSpline(ConfigReader& s, RqSplineOptions& o) {
  s.Integer("bins", o.bins, 2, 256)
      .Number("tail_bound", o.tail_bound, Interval::Closed(0.1, 1e3))
      .Number("min_bin_width", o.min_bin_width, Interval::Open(0, 0.5))
      .Number("min_bin_height", o.min_bin_height, Interval::Open(0, 0.5))
      .Number("min_derivative", o.min_derivative, Interval::Open(0, 1))
      .Require(o.min_bin_width * static_cast<double>(o.bins) < 1, "min_bin_width",
               absl::StrCat("times bins must be below 1, got ", o.min_bin_width, " x ", o.bins))
      .Require(o.min_bin_height * static_cast<double>(o.bins) < 1, "min_bin_height",
               absl::StrCat("times bins must be below 1, got ", o.min_bin_height, " x ", o.bins));
}

void ReadOptimizer(ConfigReader& o, FlowOptimizerSpec& spec) {
  o.Number("lr", spec.lr, Interval::OpenClosed(0, 1))
      .Number("beta1", spec.beta1, Interval::ClosedOpen(0, 1))
      .Number("beta2", spec.beta2, Interval::ClosedOpen(0, 1))
      .Number("lr_decay_to", spec.lr_decay_to, Interval::OpenClosed(0, 1))
      .Number("max_grad_norm", spec.max_grad_norm, Interval::Closed(0, 1e6))
      .Number("weight_average", spec.weight_average, Interval::ClosedOpen(0, 1));
}

void ReadValidation(ConfigReader& v, FlowValidationSpec& spec) {
  v.Number("fraction", spec.fraction, Interval::Closed(0, 0.5))
      .Integer("every", spec.every, 1, kMaxSteps)
      .Integer("patience", spec.patience, 0, 1000000)
      .Integer("rows", spec.rows, 100, 10000000);
}

// ApplyKeys reads every key of `j` over `c`; `subnet` collects the subnet
// spec's keys (preset, then the config's) for MlpSpec to read at the end.
absl::Status ApplyKeys(const json& j, FlowConfig& c, json& subnet) {
  FlowNetworkSpec& n = c.network;
  ConfigReader r(j, "config");
  r.Ignore("preset")
      .Strings("condition_columns", c.condition_columns)
      .Strings("target_columns", c.target_columns)
      .Array("transforms", c.transforms)
      .Choice("coupling", n.coupling, {"affine", "rqs"})
      .Integer("blocks", n.blocks, 1, 100)
      .Object("subnet", subnet)
      .Number("clamp", n.clamp, Interval::Closed(0.1, 20))
      .Child("spline", [&n](ConfigReader& s) { ReadSpline(s, n.spline); })
      .Choice("mixing", n.mixing, {"rotation", "permutation"})
      .Bool("actnorm", n.actnorm)
      .Child("optimizer", [&c](ConfigReader& o) { ReadOptimizer(o, c.optimizer); })
      .Integer("batch_size", c.batch_size, 2, 1 << 20)
      .Integer("steps", c.steps, 1, kMaxSteps)
      .Integer("epochs", c.epochs, 0, 1000000)
      .Require(!(j.contains("steps") && j.contains("epochs") && c.epochs > 0), "epochs",
               "and steps: give either steps or epochs, not both")
      .Child("validation", [&c](ConfigReader& v) { ReadValidation(v, c.validation); })
      .Integer("checkpoint_every", c.checkpoint_every, 1, kMaxSteps);
  EVGEN_RETURN_IF_ERROR(r.Finish());
  if (j.contains("steps")) c.epochs = 0;
  return absl::OkStatus();
}

absl::Status CheckColumns(const FlowConfig& c) {
  if (c.target_columns.empty()) return Bad("target_columns", "is required: the columns the flow models");
  if (c.kind == "cinn" && c.condition_columns.empty()) {
    return Bad("condition_columns", "is required for kind cinn: the columns the density is conditioned on");
  }
  if (c.kind != "cinn" && !c.condition_columns.empty()) {
    return Bad("condition_columns", absl::StrCat("must be empty for kind ", c.kind,
                                                 "; a conditional flow is kind cinn"));
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
  return absl::OkStatus();
}

// CheckTransforms keeps the chain on the targets: a density in physical
// units needs the log-Jacobian of the targets' map only, and the conditions
// are standardized inside the model.
absl::Status CheckTransforms(const FlowConfig& c) {
  for (size_t i = 0; i < c.transforms.size(); ++i) {
    const json& t = c.transforms[i];
    if (!t.is_object() || !t.contains("columns") || !t["columns"].is_array()) continue;
    for (const json& column : t["columns"]) {
      if (!column.is_string()) continue;
      const std::string name = column.get<std::string>();
      if (std::find(c.condition_columns.begin(), c.condition_columns.end(), name) != c.condition_columns.end()) {
        return Bad(absl::StrCat("transforms[", i, "].columns"),
                   absl::StrCat("names condition column '", name,
                                "'; flow transforms act on targets only (conditions are standardized inside)"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckNetwork(const FlowConfig& c) {
  const std::string fixed = c.kind == "flow-affine" ? "affine" : c.kind == "flow-rqs" ? "rqs" : "";
  if (!fixed.empty() && c.network.coupling != fixed) {
    return Bad("coupling", absl::StrCat("must be \"", fixed, "\" for kind ", c.kind, ", got \"",
                                        c.network.coupling, "\" (kind cinn chooses either)"));
  }
  const MlpSpec& s = c.network.subnet;
  if (s.dropout > 0) return Bad("subnet.dropout", "must be 0: a flow's density must be deterministic");
  if (s.norm == "batch") {
    return Bad("subnet.norm", "must be \"none\" or \"layer\": batch norm makes a row's density depend on its batch");
  }
  if (s.output != "linear") return Bad("subnet.output", "must be \"linear\": coupling parameters are unbounded");
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& FlowKinds() {
  static const std::vector<std::string> kinds = {"cinn", "flow-affine", "flow-rqs"};
  return kinds;
}

bool IsFlowKind(const std::string& kind) {
  const auto& k = FlowKinds();
  return std::find(k.begin(), k.end(), kind) != k.end();
}

absl::StatusOr<FlowConfig> FlowConfig::FromJson(const std::string& kind, const json& j) {
  if (!IsFlowKind(kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat("kind: '", kind, "' is not a flow kind; allowed: ", absl::StrJoin(FlowKinds(), ", ")));
  }
  if (!j.is_object()) return Bad("", "must be a JSON object");
  FlowConfig c;
  c.kind = kind;
  c.network.coupling = kind == "flow-rqs" ? "rqs" : "affine";
  json subnet = {{"hidden", {64, 64}}, {"activation", "relu"}};
  if (j.contains("preset")) {
    if (!j["preset"].is_string()) return Bad("preset", "must be a preset name");
    c.preset = j["preset"].get<std::string>();
    EVGEN_ASSIGN_OR_RETURN(ModelPreset preset, FindFlowPreset(c.preset));
    if (preset.kind != kind) {
      return Bad("preset", absl::StrCat("'", c.preset, "' is a ", preset.kind, " preset; train it as kind ",
                                        preset.kind, ", not ", kind));
    }
    EVGEN_RETURN_IF_ERROR(ApplyKeys(preset.config, c, subnet));
  }
  EVGEN_RETURN_IF_ERROR(ApplyKeys(j, c, subnet));
  EVGEN_ASSIGN_OR_RETURN(c.network.subnet, MlpSpec::FromJson(subnet, "config.subnet"));
  EVGEN_RETURN_IF_ERROR(CheckColumns(c));
  EVGEN_RETURN_IF_ERROR(CheckTransforms(c));
  EVGEN_RETURN_IF_ERROR(CheckNetwork(c));
  return c;
}

json FlowConfig::ToJson() const {
  const RqSplineOptions& s = network.spline;
  json j = {{"condition_columns", condition_columns},
            {"target_columns", target_columns},
            {"transforms", transforms},
            {"coupling", network.coupling},
            {"blocks", network.blocks},
            {"subnet", network.subnet.ToJson()},
            {"clamp", network.clamp},
            {"spline",
             {{"bins", s.bins},
              {"tail_bound", s.tail_bound},
              {"min_bin_width", s.min_bin_width},
              {"min_bin_height", s.min_bin_height},
              {"min_derivative", s.min_derivative}}},
            {"mixing", network.mixing},
            {"actnorm", network.actnorm},
            {"optimizer",
             {{"lr", optimizer.lr},
              {"beta1", optimizer.beta1},
              {"beta2", optimizer.beta2},
              {"lr_decay_to", optimizer.lr_decay_to},
              {"max_grad_norm", optimizer.max_grad_norm},
              {"weight_average", optimizer.weight_average}}},
            {"batch_size", batch_size},
            {"validation",
             {{"fraction", validation.fraction},
              {"every", validation.every},
              {"patience", validation.patience},
              {"rows", validation.rows}}},
            {"checkpoint_every", checkpoint_every}};
  if (epochs > 0) {
    j["epochs"] = epochs;
  } else {
    j["steps"] = steps;
  }
  return j;
}

}  // namespace evgen
