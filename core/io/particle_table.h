// particle_table.h: turning event records (a variable list of particles per
// event, as LHE and HepMC files hold them) into a Table, shared by the LHE and
// HepMC3 readers.
//
// A ParticleSelection (particle_selection.h, which describes the layouts too)
// says which particles of an event are wanted and how they are laid out; a
// ParticleTableBuilder takes the events one by one and counts every event it
// leaves out in a ReadReport.
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
#include "core/io/particle_selection.h"
#include "core/io/read_report.h"
#include "core/io/table.h"

namespace evgen {

// kMaxExactEventId: the largest event number the particles layout writes,
// since float32 holds every integer up to 2^24 exactly and not beyond.
inline constexpr int64_t kMaxExactEventId = int64_t{1} << 24;

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
