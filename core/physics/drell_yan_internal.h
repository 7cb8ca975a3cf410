// drell_yan_internal.h: the Born-level (truth) stage of the Drell-Yan
// simulator, exposed so that tests can check the Z/gamma* line shape before
// final-state radiation, smearing and selection. Not part of the public API:
// only core/physics/drell_yan.cc and its tests include it.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/physics/four_vector.h"
#include "core/physics/simulator_options.h"

namespace evgen {
namespace drell_yan_internal {

// DimuonTruth is one Born-level event: the two muons on their mass shell in
// the lab frame, and the dimuon system's mass, rapidity and pT.
struct DimuonTruth {
  FourVector mu_minus;
  FourVector mu_plus;
  double mass_gev = 0;
  double rapidity = 0;
  double pt_gev = 0;
};

// GenerateDrellYanTruth returns the Born-level dimuons of events 0..n-1 with
// the true mass drawn in exactly [mass_min_gev, mass_max_gev] (the public
// generator draws in a wider window so that smearing and radiation can
// migrate events into it). Same options and validation as GenerateDrellYan;
// cms_selection is validated but not applied.
[[nodiscard]] absl::StatusOr<std::vector<DimuonTruth>> GenerateDrellYanTruth(
    int64_t n_events, uint64_t seed, const SimulatorOptions& options);

}  // namespace drell_yan_internal
}  // namespace evgen
