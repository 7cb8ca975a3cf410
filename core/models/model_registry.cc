#include "core/models/model_registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/builtin_families.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

// Registry holds the families and which owns each kind. Families are only
// ever added, so a pointer handed out stays valid for the process.
class Registry {
 public:
  static Registry& Get() {
    static Registry* registry = [] {
      auto* r = new Registry();
      for (std::unique_ptr<ModelFamily>& family : BuiltinModelFamilies()) r->Add(std::move(family));
      return r;
    }();
    return *registry;
  }

  void Add(std::unique_ptr<ModelFamily> family) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& kind : family->kinds()) {
      auto it = owner_.find(kind);
      if (it != owner_.end()) {
        std::fprintf(stderr, "evgen: model kind '%s' of family '%s' is already owned by family '%s'\n",
                     kind.c_str(), family->name().c_str(), it->second->name().c_str());
        std::abort();
      }
      owner_[kind] = family.get();
    }
    families_.push_back(std::move(family));
  }

  const ModelFamily* Find(const std::string& kind) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = owner_.find(kind);
    return it == owner_.end() ? nullptr : it->second;
  }

  std::vector<std::string> Kinds() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> kinds;
    for (const auto& entry : owner_) kinds.push_back(entry.first);
    return kinds;  // sorted: owner_ is a map
  }

  std::vector<const ModelFamily*> Families() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<const ModelFamily*> out;
    for (const auto& f : families_) out.push_back(f.get());
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<ModelFamily>> families_;
  std::map<std::string, const ModelFamily*> owner_;
};

}  // namespace

bool RegisterModelFamily(std::unique_ptr<ModelFamily> family) {
  Registry::Get().Add(std::move(family));
  return true;
}

std::vector<std::string> ModelKinds() { return Registry::Get().Kinds(); }

absl::StatusOr<const ModelFamily*> FindModelFamily(const std::string& kind) {
  const ModelFamily* family = Registry::Get().Find(kind);
  if (family == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("kind: unknown model kind '", kind,
                                                   "'; allowed: ", absl::StrJoin(ModelKinds(), ", ")));
  }
  return family;
}

absl::StatusOr<std::unique_ptr<Model>> CreateModel(const std::string& kind,
                                                   const nlohmann::json& config) {
  EVGEN_ASSIGN_OR_RETURN(const ModelFamily* family, FindModelFamily(kind));
  return family->Create(kind, config.is_null() ? nlohmann::json::object() : config);
}

absl::StatusOr<std::vector<PresetInfo>> ListPresets() {
  std::vector<PresetInfo> out;
  for (const ModelFamily* family : Registry::Get().Families()) {
    for (ModelPreset& preset : family->presets()) {
      EVGEN_ASSIGN_OR_RETURN(nlohmann::json resolved,
                             family->ResolveConfig(preset.kind, {{"preset", preset.name}}));
      out.push_back({family->name(), std::move(preset), std::move(resolved)});
    }
  }
  return out;
}

}  // namespace evgen
