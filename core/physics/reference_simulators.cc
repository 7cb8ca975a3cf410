#include "core/physics/reference_simulators.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/physics/qcd_multijet.h"

namespace evgen {
namespace {

absl::Status CheckOptions(const ReferenceSimulatorInfo& info,
                          const std::map<std::string, double>& options) {
  for (const auto& [key, value] : options) {
    if (std::find(info.options.begin(), info.options.end(), key) == info.options.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("options: '", key, "' is not an option of ", info.name, "; allowed: [",
                       absl::StrJoin(info.options, ", "), "]"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<ReferenceSimulatorInfo> ReferenceSimulators() {
  return {{"qcd-multijet",
           "pp -> 3..7 large-R jets at 13 TeV (pT > 200 GeV, |eta| < 2): one row per jet with "
           "pt_gev, eta, phi, n_track, mass_gev, is_gluon, region",
           {"sqrt_s_gev"}}};
}

absl::StatusOr<Table> GenerateReference(const std::string& name, int64_t n_events, uint64_t seed,
                                        const std::map<std::string, double>& options) {
  std::vector<std::string> names;
  for (const ReferenceSimulatorInfo& info : ReferenceSimulators()) {
    names.push_back(info.name);
    if (info.name != name) continue;
    absl::Status s = CheckOptions(info, options);
    if (!s.ok()) return s;
  }
  if (name == "qcd-multijet") {
    QcdMultijetConfig cfg;
    cfg.n_events = n_events;
    cfg.seed = seed;
    if (auto it = options.find("sqrt_s_gev"); it != options.end()) cfg.sqrt_s_gev = it->second;
    return GenerateQcdMultijet(cfg);
  }
  return absl::InvalidArgumentError(absl::StrCat("simulator: unknown reference simulator '", name,
                                                 "'; allowed: ", absl::StrJoin(names, ", ")));
}

}  // namespace evgen
