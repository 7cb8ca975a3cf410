#include "core/models/template/template_family.h"

#include "core/models/template/histogram_template.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

class TemplateFamily final : public ModelFamily {
 public:
  std::string name() const override { return "template"; }
  std::vector<std::string> kinds() const override { return {"template"}; }

  absl::StatusOr<nlohmann::json> ResolveConfig(const std::string&,
                                               const nlohmann::json& config) const override {
    EVGEN_ASSIGN_OR_RETURN(HistogramTemplateConfig c, HistogramTemplateConfig::FromJson(config));
    return c.ToJson();
  }

  absl::StatusOr<std::unique_ptr<Model>> Create(const std::string&,
                                                const nlohmann::json& config) const override {
    EVGEN_ASSIGN_OR_RETURN(HistogramTemplateConfig c, HistogramTemplateConfig::FromJson(config));
    return std::unique_ptr<Model>(std::make_unique<HistogramTemplate>(c));
  }
};

}  // namespace

std::unique_ptr<ModelFamily> MakeTemplateFamily() { return std::make_unique<TemplateFamily>(); }

}  // namespace evgen
