// particle_columns.h: finding a particle's momentum columns in a table by a
// short name, so physics metrics read evgen's simulator tables, CMS
// open-data style tables and the drell-yan simulator's output alike.
//
// A particle `p` is read from the first of these column sets the table has:
//   p_e_gev, p_px_gev, p_py_gev, p_pz_gev   (E, px, py, pz; ttbar, qcd simulators)
//   Ep, pxp, pyp, pzp                       (E, px, py, pz; drell-yan, CMS csv: particles=1,2)
//   ptp, etap, phip                         (pt, eta, phi with a given mass; CMS Zmumu csv)
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(ParticleMasses m, ParticleGroupMass(table, {"1", "2"}, 0.1057));
//   // m.masses[r] is the dimuon mass of row r; m.description says which columns were read
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

struct ParticleMasses {
  std::vector<double> masses;  // per row, negative for a spacelike sum (FourVector::Mass)
  std::string description;     // e.g. "particles 1,2 (E1, px1, py1, pz1; ...)"
};

// ParticleGroupMass returns the invariant mass of the sum of `particles` per
// row; particles read from (pt, eta, phi) get the mass `mass_gev`.
// InvalidArgument naming the particle, the column sets tried and the table's
// columns when one is missing, or for an empty list.
[[nodiscard]] absl::StatusOr<ParticleMasses> ParticleGroupMass(const Table& table,
                                                               const std::vector<std::string>& particles,
                                                               double mass_gev);

}  // namespace evgen
