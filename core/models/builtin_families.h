// builtin_families.h: the model families evgen ships with. Adding a family
// to evgen is a folder under core/models plus one line in
// builtin_families.cc.
#pragma once

#include <memory>
#include <vector>

#include "core/models/model_family.h"

namespace evgen {

// BuiltinModelFamilies returns a new instance of each built-in family.
std::vector<std::unique_ptr<ModelFamily>> BuiltinModelFamilies();

}  // namespace evgen
