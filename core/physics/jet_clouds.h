// jet_clouds.h: jets as particle clouds (top-like three-prong and QCD-like),
// 7 to 100 constituents each, from the splitting model documented in
// docs/physics.md.
//
// Table layout ("long" format, one row per constituent, jets consecutive):
//   jet, constituent (0 = hardest), log_pt, log_e, eta_rel, phi_rel,
//   jet_pt_gev, jet_eta, jet_mass_gev, n_constituents, is_top
// (log_pt = ln(pT / GeV), log_e = ln(E / GeV), eta_rel and phi_rel relative
// to the jet axis; the jet columns repeat on every row of the jet).
// core/io/jetnet converts this to and from the padded JetNet HDF5 layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/physics/simulator_options.h"

namespace evgen {

inline const std::vector<std::string>& JetCloudColumns() {
  static const std::vector<std::string> columns = {
      "jet",        "constituent", "log_pt",       "log_e",          "eta_rel", "phi_rel",
      "jet_pt_gev", "jet_eta",     "jet_mass_gev", "n_constituents", "is_top"};
  return columns;
}

// kJetCloudsRadius: the jets' radius R (anti-kT R = 0.8, as JetNet's);
// constituents lie within Delta R = R of the axis.
inline constexpr double kJetCloudsRadius = 0.8;

// GenerateJetClouds makes n_jets jets. Options: top_fraction (0..1, default
// 0.5), jet_pt_gev (the central jet pT, default 1000), sqrt_s_gev.
[[nodiscard]] absl::StatusOr<Table> GenerateJetClouds(int64_t n_jets, uint64_t seed,
                                                      const SimulatorOptions& options);

}  // namespace evgen
