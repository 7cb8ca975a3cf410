// flow_presets.h: named flow configurations, one per reference simulator
// (core/physics), each with a "-small" variant that trains on 2 CPU cores
// in a few minutes. A training config names one with {"preset": NAME} and
// may override any key.
//
//   camel-flow             flow-rqs     the 1-D camel-back x0
//   camel-affine           flow-affine  the 2-D camel-back x0, x1 (the simulator's dimensions = 2)
//   qcd-multijet-flow      flow-rqs     jet pt, eta, mass (log pT and mass)
//   jetmass-cinn           cinn         jet mass | pt, eta, n_track (spline blocks)
//   ttbar-dilepton-flow    flow-rqs     the 8 dilepton WGAN-GP features (through dilepton-kinematics)
//   ttbar-allhad-flow      flow-rqs     six on-shell quarks: 18 momenta, energies from the mass shell
//   ttbar-allhad-chain-flow flow-rqs    the same quarks as a decay chain: top pT/eta/phi, masses, decay angles
//   drell-yan-flow         flow-rqs     the two muons' pT, eta, phi
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/model_family.h"

namespace evgen {

const std::vector<ModelPreset>& FlowPresets();

// FindFlowPreset: InvalidArgument naming config.preset and listing the names.
[[nodiscard]] absl::StatusOr<ModelPreset> FindFlowPreset(const std::string& name);

}  // namespace evgen
