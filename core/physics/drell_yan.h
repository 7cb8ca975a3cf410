// drell_yan.h: pp -> Z/gamma* -> mu+ mu- reference simulator with a muon
// detector emulation; columns like the CMS open-data dimuon tables (E1, px1,
// py1, pz1, pt1, eta1, phi1, Q1, the same for muon 2, M). Documented in
// docs/physics.md, including the muon smearing tuned to the CMS 2011 peak.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/physics/simulator_options.h"

namespace evgen {

std::vector<std::string> DrellYanColumns();

// DrellYanTruthColumns are the generator-level columns that truth=1 appends:
// the Born-level muons (before final-state radiation and smearing) that
// became detector muons 1 and 2, and their pair mass: pt1_gen, eta1_gen,
// phi1_gen, pt2_gen, eta2_gen, phi2_gen, M_gen.
std::vector<std::string> DrellYanTruthColumns();

// Options: sqrt_s_gev (default 13000), cms_selection (0 or 1, default 0: the
// CMS 2011 Z->mumu selection when 1), the dimuon mass window mass_min_gev /
// mass_max_gev, and truth (0 or 1, default 0: when 1, DrellYanTruthColumns()
// follow the detector columns, which stay the same). The selections act on
// the detector level, so every row is a pair that the detector recorded.
[[nodiscard]] absl::StatusOr<Table> GenerateDrellYan(int64_t n_events, uint64_t seed,
                                                     const SimulatorOptions& options);

}  // namespace evgen
