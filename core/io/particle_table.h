// particle_table.h: turning event records (a variable list of particles per
// event, as LHE and HepMC files hold them) into a Table, shared by the LHE and
// HepMC3 readers.
//
// A ParticleSelection says which particles of an event are wanted and how
// they are laid out; a ParticleTableBuilder takes the events one by one and
// counts every event it leaves out in a ReadReport.
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
//   ParticleSelection all;
//   all.layout = ParticleLayout::kPadded;   // merged 0/1/2-jet sample, every event kept
//   EVGEN_ASSIGN_OR_RETURN(Table t, ReadLhe("zProduction_Mlm_012.lhe.gz", all));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/read_report.h"
#include "core/io/table.h"

namespace evgen {

enum class ParticleLayout { kFixed, kPadded, kParticles };

// ParticleLayoutName is the option spelling: "fixed", "padded", "particles".
const char* ParticleLayoutName(ParticleLayout layout);
// ParseParticleLayout reads that spelling; anything else is InvalidArgument
// listing the allowed names.
[[nodiscard]] absl::StatusOr<ParticleLayout> ParseParticleLayout(const std::string& name);

// kMaxExactEventId: the largest event number the particles layout writes,
// since float32 holds every integer up to 2^24 exactly and not beyond.
inline constexpr int64_t kMaxExactEventId = int64_t{1} << 24;

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

// EventParticle is one particle of an event record, as the LHE and HepMC
// readers hand it to a ParticleTableBuilder.
struct EventParticle {
  int pdg_id = 0;
  int status = 0;
  double e = 0, px = 0, py = 0, pz = 0, m = 0;
};

// ParticleTableBuilder applies a ParticleSelection event by event.
class ParticleTableBuilder {
 public:
  [[nodiscard]] static absl::StatusOr<ParticleTableBuilder> Create(ParticleSelection selection);

  // AddEvent takes the file's next event: appends its data, or skips and
  // counts it (skip_incomplete), or returns InvalidArgument prefixed by
  // `where` (e.g. "f.lhe:120: event 7").
  [[nodiscard]] absl::Status AddEvent(const std::vector<EventParticle>& particles, double weight,
                                      const std::string& where);
  // done is true once max_events events were kept.
  bool done() const;
  int64_t events_kept() const { return kept_; }
  int64_t skipped() const;
  // Finish returns the table and, when `report` is given, fills its event
  // counts and shape; `source` names the input when no event was kept.
  [[nodiscard]] absl::StatusOr<Table> Finish(const std::string& source, ReadReport* report = nullptr);

 private:
  int FieldsPerParticle() const;
  std::vector<std::string> SlotColumns(int slots) const;
  [[nodiscard]] absl::Status Pick(const std::vector<EventParticle>& particles, const std::string& where,
                                  std::vector<const EventParticle*>* picked, const char** skip);
  [[nodiscard]] absl::Status CheckFixed(size_t count, const std::string& where, const char** skip);
  void AppendParticle(const EventParticle& p, std::vector<float>* out) const;
  [[nodiscard]] absl::Status AppendParticleRows(const std::vector<const EventParticle*>& picked,
                                                float weight, const std::string& where);
  [[nodiscard]] absl::StatusOr<Table> FinishPadded(const std::string& source);
  std::string SlotName(int slot) const;

  ParticleSelection selection_;
  // fixed_slots_: the slot count of the fixed layout, 0 until known.
  int fixed_slots_ = 0;
  std::vector<std::string> columns_;
  // values_: the table's values, except in the padded layout, where they are
  // the kept particles back to back, padded at Finish once the widest event
  // is known (counts_ holds each event's particle count).
  std::vector<float> values_;
  std::vector<int> counts_;
  std::vector<float> weights_;
  std::vector<char> used_;
  int64_t events_seen_ = 0;
  int64_t kept_ = 0;
  int64_t widest_ = 0;
  std::string widest_where_;
  ReadReport counts_report_;
};

}  // namespace evgen
