#include "core/models/gan/gan_family.h"

#include "core/models/gan/gan_config.h"
#include "core/models/gan/gan_model.h"
#include "core/models/gan/gan_presets.h"
#include "core/models/nn/mlp.h"
#include "core/models/nn/noise.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

class GanFamily final : public ModelFamily {
 public:
  std::string name() const override { return "gan"; }
  std::vector<std::string> kinds() const override { return GanKinds(); }
  bool config_names_columns() const override { return true; }

  // ResolveConfig also resolves the network and noise specs, which the GAN
  // config keeps as the JSON it was given, so that every default shows.
  absl::StatusOr<nlohmann::json> ResolveConfig(const std::string& kind,
                                               const nlohmann::json& config) const override {
    // The model's config has the preset applied and what depends on the
    // columns (the default transforms) filled in.
    EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, CreateGanModel(kind, config));
    const nlohmann::json description = model->Describe();
    nlohmann::json j = description.at("config");
    EVGEN_ASSIGN_OR_RETURN(NoiseSpec noise, NoiseSpec::FromJson(j["noise"], "config.noise"));
    EVGEN_ASSIGN_OR_RETURN(MlpSpec g, MlpSpec::FromJson(j["generator"], "config.generator"));
    j["noise"] = noise.ToJson();
    j["generator"] = g.ToJson();
    if (kind != "wgan-u1") {
      EVGEN_ASSIGN_OR_RETURN(MlpSpec d, MlpSpec::FromJson(j["discriminator"], "config.discriminator"));
      j["discriminator"] = d.ToJson();
    }
    const std::string preset = description.value("preset", "");
    if (!preset.empty()) j["preset"] = preset;
    return j;
  }

  absl::StatusOr<std::unique_ptr<Model>> Create(const std::string& kind,
                                                const nlohmann::json& config) const override {
    return CreateGanModel(kind, config);
  }

  std::vector<ModelPreset> presets() const override { return GanPresets(); }
};

}  // namespace

std::unique_ptr<ModelFamily> MakeGanFamily() { return std::make_unique<GanFamily>(); }

}  // namespace evgen
