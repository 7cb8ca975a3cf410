// model_registry.h: the registry of model families (model_family.h). The job
// layer, the server and the benchmarks create models by kind name through it
// and never name a family or a concrete model class.
//
// The built-in families (core/models/builtin_families.cc) are registered on
// first use; RegisterModelFamily adds another one.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<Model> m, CreateModel("template", config));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/model.h"
#include "core/models/model_family.h"

namespace evgen {

// RegisterModelFamily adds a family; returns true, so that a program can
// register from a static initialiser. A kind another family already owns
// is a programming error: the process aborts with a message naming both.
bool RegisterModelFamily(std::unique_ptr<ModelFamily> family);

// ModelKinds lists the kinds CreateModel accepts, sorted.
std::vector<std::string> ModelKinds();

// FindModelFamily returns the family that owns `kind`; InvalidArgument
// naming the field "kind" and listing the known kinds otherwise.
[[nodiscard]] absl::StatusOr<const ModelFamily*> FindModelFamily(const std::string& kind);

// CreateModel returns an unfitted model. InvalidArgument for an unknown kind
// (the message lists the known ones) or an invalid config.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Model>> CreateModel(const std::string& kind,
                                                                  const nlohmann::json& config);

// PresetInfo is a preset with the family that owns it and its full resolved
// configuration (every default filled in).
struct PresetInfo {
  std::string family;
  ModelPreset preset;
  nlohmann::json resolved;
};

// ListPresets returns every registered family's presets in registration
// order, each resolved through its family.
[[nodiscard]] absl::StatusOr<std::vector<PresetInfo>> ListPresets();

}  // namespace evgen
