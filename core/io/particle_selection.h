// particle_selection.h: ParticleSelection, which particles of an event
// record (LHE, HepMC) become table columns and in which layout, and its
// reading from string options. Format-neutral: the LHE and HepMC3 readers
// both take one, and ParticleTableBuilder (particle_table.h) applies it.
//
// Layouts (ParticleLayout), because merged samples (MadGraph MLM with 0, 1, 2
// extra jets) have a different particle count per event:
//   kFixed      one row per event, a fixed particle count (today's layout);
//               an event with another count is an error, or skipped and
//               counted with skip_incomplete.
//   kPadded     one row per event: n_particles, then the slots p1..pN, N the
//               largest multiplicity read (or `multiplicity`); slots past
//               n_particles hold pad_value (0 by default; pdg_id 0 there is
//               no particle).
//   kParticles  one row per particle: event (the event's number in the file,
//               1 = first), particle (0..n-1), n_particles, then e_gev,
//               px_gev, py_gev, pz_gev [, m_gev] [, pdg_id]; the event weight
//               is repeated on each of its rows.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(ParticleSelection every_particle,
//                          ParseParticleSelection({{"layout", "padded"}}));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace evgen {

enum class ParticleLayout { kFixed, kPadded, kParticles };

// ParticleLayoutName is the option spelling: "fixed", "padded", "particles".
const char* ParticleLayoutName(ParticleLayout layout);
// ParseParticleLayout reads that spelling; anything else is InvalidArgument
// listing the allowed names.
[[nodiscard]] absl::StatusOr<ParticleLayout> ParseParticleLayout(const std::string& name);

// ParticleSelection says which particles of an event become table data.
//
// Slot mode (pdg_ids not empty): one slot per entry, filled in order with the
// first particle of the event that has that PDG id (or |id| with abs_pdg), an
// allowed status, and was not taken by an earlier slot. Slot mode selects e.g.
// {6, -6} the top and the antitop, or {5, -5, 11, -12} from a decay chain.
// Slot mode uses the fixed layout.
//
// All-final-state mode (pdg_ids empty): every particle with an allowed status,
// in record order, laid out as `layout` says.
//
// Columns per slot, in slot order: <name>_e_gev, <name>_px_gev, <name>_py_gev,
// <name>_pz_gev, then <name>_m_gev with include_mass and <name>_pdg_id with
// include_pdg_id. Slot names are slot_names when given (one per slot),
// otherwise p1, p2, ... (the naming of the reference simulators).
struct ParticleSelection {
  std::vector<int> pdg_ids;
  std::vector<int> statuses = {1};
  bool abs_pdg = false;
  std::vector<std::string> slot_names;
  bool include_mass = false;
  bool include_pdg_id = false;
  ParticleLayout layout = ParticleLayout::kFixed;
  // multiplicity: kFixed, the particle count (0: the first event's);
  // kPadded, the slots (0: the largest count read); kParticles, unused.
  int multiplicity = 0;
  // pad_value fills the unused slots of the padded layout.
  float pad_value = 0.f;
  // skip_incomplete: an event that does not fit the layout (lacks a selected
  // particle, has another multiplicity, more than `multiplicity`, or none at
  // all in the particles layout) is skipped and counted instead of being an
  // error.
  bool skip_incomplete = false;
  // max_events stops after this many kept events (0: no limit).
  int64_t max_events = 0;
};

// ParseParticleSelection reads a ParticleSelection from string options, as
// uploads pass them. Keys: pdg_ids ("6,-6"; empty or absent: all final-state
// particles), statuses ("1" or "1,2"), abs_pdg, include_mass, include_pdg_id,
// skip_incomplete (true/false/1/0), slot_names ("t,tbar"), layout
// (fixed/padded/particles), multiplicity, pad_value (a number or nan),
// max_events. Unknown keys and malformed values are InvalidArgument naming the
// key and the allowed values.
[[nodiscard]] absl::StatusOr<ParticleSelection> ParseParticleSelection(
    const std::map<std::string, std::string>& options);

}  // namespace evgen
