// ttbar.h: top-pair reference simulators at parton level (ttbar-allhad) and
// with a dilepton detector emulation (ttbar-dilepton). Formulas and choices
// are documented in docs/physics.md.
//
// ttbar-allhad columns: the six massive final-state quarks in the fixed order
// of the ttbar GAN paper (Butter, Plehn, Winterhalder 2019): p1 + p2 = W-,
// p1 + p2 + p3 = tbar, p4 + p5 = W+, p4 + p5 + p6 = t; each as
// p<i>_e_gev, p<i>_px_gev, p<i>_py_gev, p<i>_pz_gev; then truth columns
// (see TtbarAllhadColumns()).
// ttbar-dilepton columns: the 8 features of the dilepton WGAN-GP paper
// (Lebese, Ruan) plus b-jet kinematics and truth (see TtbarDileptonColumns()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/physics/simulator_options.h"

namespace evgen {

std::vector<std::string> TtbarAllhadColumns();
std::vector<std::string> TtbarDileptonColumns();

// ttbar-dilepton keeps events whose two leptons both have pT above the
// first and |eta| below the second; models of its features start their
// coordinates at these edges.
inline constexpr double kTtbarDileptonLeptonPtMinGev = 25.0;
inline constexpr double kTtbarDileptonLeptonAbsEtaMax = 2.5;

// Options (both): sqrt_s_gev (default 13000, allowed [400, 1e6]; below
// 400 GeV only far off-shell tops could be made). n_events must be in
// [1, 1e8]. Event i is a pure function of (seed, i). Errors: InvalidArgument
// naming n_events or options.sqrt_s_gev.
[[nodiscard]] absl::StatusOr<Table> GenerateTtbarAllhad(int64_t n_events, uint64_t seed,
                                                        const SimulatorOptions& options);
[[nodiscard]] absl::StatusOr<Table> GenerateTtbarDilepton(int64_t n_events, uint64_t seed,
                                                          const SimulatorOptions& options);

}  // namespace evgen
