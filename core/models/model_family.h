// model_family.h: ModelFamily, what a family of models (histogram templates,
// GANs, flows, ...) tells evgen so that it plugs in with one folder and one
// registration, and the job layer and the server never name it.
//
// A family owns one or more kinds (the names users train: "template", "gan",
// "wgan-gp", ...), reads their configs with ConfigReader
// (core/util/config_reader.h), lists its named presets, and creates Models
// (core/models/model.h); a Model fits (with checkpoints and resume through
// FitContext) and samples. Families are registered in
// core/models/builtin_families.cc, or by a program of its own (a test, a
// plug-in build) with RegisterModelFamily before the first model is made.
//
// Threading: a family is immutable once registered; every method is const
// and may run from many threads.
//
// Example (one kind, configured by two numbers):
//   class ToyFamily final : public ModelFamily {
//    public:
//     std::string name() const override { return "toy"; }
//     std::vector<std::string> kinds() const override { return {"toy"}; }
//     absl::StatusOr<nlohmann::json> ResolveConfig(const std::string& kind,
//                                                  const nlohmann::json& config) const override;
//     absl::StatusOr<std::unique_ptr<Model>> Create(const std::string& kind,
//                                                   const nlohmann::json& config) const override;
//   };
//   static const bool kRegistered = RegisterModelFamily(std::make_unique<ToyFamily>());
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/model.h"
#include "nlohmann/json.hpp"

namespace evgen {

// ModelPreset is a named configuration of one kind, e.g. a paper's setup.
struct ModelPreset {
  std::string name;
  std::string kind;
  std::string description;
  nlohmann::json config;  // the keys the preset sets; {"preset": name} selects it
};

class ModelFamily {
 public:
  virtual ~ModelFamily() = default;

  // name is the family's folder name, e.g. "gan".
  virtual std::string name() const = 0;
  // kinds are the kind names the family creates; unique across families.
  virtual std::vector<std::string> kinds() const = 0;

  // ResolveConfig returns the full configuration a model of `kind` would use
  // for `config`: its preset applied and every default filled in.
  // InvalidArgument naming "config.<key>" and the allowed values.
  [[nodiscard]] virtual absl::StatusOr<nlohmann::json> ResolveConfig(
      const std::string& kind, const nlohmann::json& config) const = 0;

  // Create returns an unfitted model; InvalidArgument as ResolveConfig.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<Model>> Create(
      const std::string& kind, const nlohmann::json& config) const = 0;

  // presets lists the family's named configurations.
  virtual std::vector<ModelPreset> presets() const { return {}; }

  // config_names_columns is true when a config chooses the model's condition
  // and target columns ("condition_columns", "target_columns" keys): a
  // training request's columns are then shorthand for those keys.
  virtual bool config_names_columns() const { return false; }
};

}  // namespace evgen
