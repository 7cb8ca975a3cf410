#include "core/models/builtin_families.h"

#include "core/models/cloud/cloud_family.h"
#include "core/models/flow/flow_family.h"
#include "core/models/gan/gan_family.h"
#include "core/models/template/template_family.h"

namespace evgen {

std::vector<std::unique_ptr<ModelFamily>> BuiltinModelFamilies() {
  std::vector<std::unique_ptr<ModelFamily>> families;
  families.push_back(MakeTemplateFamily());
  families.push_back(MakeGanFamily());
  families.push_back(MakeFlowFamily());
  families.push_back(MakeCloudFamily());
  return families;
}

}  // namespace evgen
