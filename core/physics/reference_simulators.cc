#include "core/physics/reference_simulators.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/physics/camel.h"
#include "core/physics/drell_yan.h"
#include "core/physics/jet_clouds.h"
#include "core/physics/qcd_multijet.h"
#include "core/physics/qcd_multijet_events.h"
#include "core/physics/ttbar.h"
#include "core/store/names.h"
#include "core/util/stop_check.h"

namespace evgen {
namespace {

using Generator = std::function<absl::StatusOr<Table>(int64_t, uint64_t, const SimulatorOptions&)>;

struct Entry {
  ReferenceSimulatorInfo info;
  Generator generate;
};

absl::StatusOr<Table> QcdMultijet(int64_t n_events, uint64_t seed, const SimulatorOptions& options) {
  QcdMultijetConfig cfg;
  cfg.n_events = n_events;
  cfg.seed = seed;
  if (auto it = options.find("sqrt_s_gev"); it != options.end()) cfg.sqrt_s_gev = it->second;
  return GenerateQcdMultijet(cfg);
}

absl::StatusOr<Table> QcdMultijetEvents(int64_t n_events, uint64_t seed,
                                        const SimulatorOptions& options) {
  QcdMultijetEventsConfig cfg;
  cfg.n_events = n_events;
  cfg.seed = seed;
  if (auto it = options.find("sqrt_s_gev"); it != options.end()) cfg.sqrt_s_gev = it->second;
  if (auto it = options.find("pt_hard_min_gev"); it != options.end()) {
    cfg.pt_hard_min_gev = it->second;
  }
  return GenerateQcdMultijetEvents(cfg);
}

const std::vector<Entry>& Entries() {
  static const auto* entries = new std::vector<Entry>{
      {{"qcd-multijet",
        "pp -> 3..7 large-R jets at 13 TeV (pT > 200 GeV, |eta| < 2): one row per jet with "
        "pt_gev, eta, phi, n_track, mass_gev, is_gluon, region",
        {"sqrt_s_gev"}},
       QcdMultijet},
      {{"qcd-multijet-events",
        "pp -> jets at 13 TeV built event by event (hard 2 -> 2 scattering above pt_hard_min_gev, "
        "default 900 GeV, plus pT-ordered radiation with recoil), events with >= 3 large-R jets "
        "(pT > 200 GeV, |eta| < 2): the columns of qcd-multijet, signal region populated",
        {"sqrt_s_gev", "pt_hard_min_gev"}},
       QcdMultijetEvents},
      {{"ttbar-allhad",
        "pp -> ttbar -> (b q q')(bbar q q') at parton level: six on-shell 4-vectors in the ttbar "
        "GAN paper's order, plus truth",
        {"sqrt_s_gev"}},
       GenerateTtbarAllhad},
      {{"ttbar-dilepton",
        "pp -> ttbar -> (b l nu)(bbar l nu) with a detector emulation: the 8 dilepton WGAN-GP "
        "features plus b-jet kinematics",
        {"sqrt_s_gev"}},
       GenerateTtbarDilepton},
      {{"drell-yan",
        "pp -> Z/gamma* -> mu mu with muon smearing; columns like the CMS open-data dimuon tables "
        "(truth=1 adds the generator-level muons pt1_gen .. phi2_gen, M_gen)",
        {"sqrt_s_gev", "cms_selection", "mass_min_gev", "mass_max_gev", "truth"}},
       GenerateDrellYan},
      {{"camel", "camel-back toy: two Gaussians in 1 or n dimensions",
        {"dimensions", "separation", "width", "weight"}},
       GenerateCamel},
      {{"jet-clouds",
        "jets as particle clouds (top-like and QCD-like), 7..100 constituents, one row per "
        "constituent with jet-level columns",
        {"top_fraction", "jet_pt_gev", "sqrt_s_gev"}},
       GenerateJetClouds},
  };
  return *entries;
}

absl::Status CheckOptions(const ReferenceSimulatorInfo& info, const SimulatorOptions& options) {
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
  std::vector<ReferenceSimulatorInfo> out;
  for (const Entry& e : Entries()) out.push_back(e.info);
  return out;
}

absl::StatusOr<Table> GenerateReference(const std::string& name, int64_t n_events, uint64_t seed,
                                        const std::map<std::string, double>& options) {
  std::vector<std::string> names;
  for (const Entry& e : Entries()) {
    names.push_back(e.info.name);
    if (e.info.name != name) continue;
    absl::Status s = CheckOptions(e.info, options);
    if (!s.ok()) return s;
    absl::StatusOr<Table> table = e.generate(n_events, seed, options);
    // A simulator stops early when its caller gave up: never return that
    // short table as if it were the requested one.
    if (absl::Status stopped = CheckStop(); !stopped.ok()) return stopped;
    return table;
  }
  return absl::InvalidArgumentError(absl::StrCat("simulator: unknown reference simulator '", EchoValue(name),
                                                 "'; allowed: ", absl::StrJoin(names, ", ")));
}

}  // namespace evgen
