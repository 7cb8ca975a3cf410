// event_write_spec.h: EventWriteSpec, how the columns of a table become the
// particles of the event records that WriteLhe and WriteHepMC3 write, and its
// reading from string options. Format-neutral: both writers take one, and
// TableParticleView (table_particle_view.h) applies it row by row.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(EventWriteSpec spec,
//                          ParseEventWriteSpec(dimuons, {{"pdg_ids", "13,-13"},
//                                                        {"masses_gev", "0.1057,0.1057"}}));
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

// EventWriteSpec describes how the columns of a table map to particles when
// writing LHE or HepMC3 files.
struct EventWriteSpec {
  struct Particle {
    // prefix: columns <prefix>_px_gev, <prefix>_py_gev, <prefix>_pz_gev and,
    // if present, <prefix>_e_gev.
    std::string prefix;
    int pdg_id = 0;
    // mass_gev is used when the table has no <prefix>_e_gev column:
    // E = sqrt(p^2 + m^2). With an energy column the mass written is
    // sqrt(E^2 - p^2) (0 when rounding makes that negative).
    std::optional<double> mass_gev;
  };
  std::vector<Particle> particles;
  int beam1_pdg_id = 2212;
  int beam2_pdg_id = 2212;
  double beam1_energy_gev = 6500.0;
  double beam2_energy_gev = 6500.0;
  // incoming_pdg_ids: the two incoming partons of the LHE record (status -1);
  // empty writes final-state particles only (mothers 0 0).
  std::vector<int> incoming_pdg_ids = {21, 21};
  int process_id = 1;
  // idwtup: the <init> IDWTUP (weighting strategy, +-1..+-4); 0 chooses it
  // from the weights: 3 for equal positive weights (or none), -3 for equal
  // magnitudes of both signs, 4 for other non-negative weights, -4 otherwise.
  // A given value must describe the weights (3 and -3: equal magnitudes;
  // positive values: no negative weight).
  int idwtup = 0;
  // cross_section_pb: the <init> XSECUP; <= 0 writes the mean event weight
  // (1 for unweighted tables).
  double cross_section_pb = 0.0;
  // scale_gev: the SCALUP of every event; <= 0 writes the invariant mass of
  // the event's final state.
  double scale_gev = 0.0;
  double alpha_qed = 0.0078125;
  double alpha_qcd = 0.118;
};

// ParseEventWriteSpec builds a spec for `table` from string options. The
// particles are the column groups <prefix>_px_gev/_py_gev/_pz_gev found in
// column order. Keys: pdg_ids (one per group; required unless the groups are
// exactly p1..p6, the ttbar-allhad layout, whose default is d ubar bbar u dbar
// b = 1,-2,-5,2,-1,5), masses_gev (one per group, for tables without energy
// columns), beam_pdg_ids ("2212,2212"), beam_energies_gev ("6500,6500"),
// incoming_pdg_ids ("21,21" or "none"), process_id, idwtup, cross_section_pb,
// scale_gev. A read's ReadReport::write_options holds these keys for what the
// file said.
[[nodiscard]] absl::StatusOr<EventWriteSpec> ParseEventWriteSpec(
    const Table& table, const std::map<std::string, std::string>& options);

}  // namespace evgen
