// table_particle_view.h: TableParticleView, a table row read back as the
// final-state particles of an event, as an EventWriteSpec says; the LHE and
// HepMC3 writers both write their records from it. It is the inverse of
// ParticleTableBuilder (particle_table.h).
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(TableParticleView view, TableParticleView::Create(events, spec));
//   std::vector<EventParticle> particles;
//   EVGEN_RETURN_IF_ERROR(view.Row(0, &particles));
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/event_write_spec.h"
#include "core/io/particle_table.h"
#include "core/io/table.h"

namespace evgen {

// TableParticleView maps a table row to its final-state particles (status 1)
// as an EventWriteSpec says. The table must outlive the view. `first_row` is
// the number of rows written before `table` (a streamed block), so that
// errors name the row of the whole output.
class TableParticleView {
 public:
  [[nodiscard]] static absl::StatusOr<TableParticleView> Create(const Table& table,
                                                               const EventWriteSpec& spec,
                                                               int64_t first_row = 0);
  [[nodiscard]] absl::Status Row(int64_t row, std::vector<EventParticle>* particles) const;

 private:
  struct Columns {
    int e = -1, px = -1, py = -1, pz = -1;
    int pdg_id = 0;
    std::optional<double> mass_gev;
  };
  const Table* table_ = nullptr;
  int64_t first_row_ = 0;
  std::vector<Columns> columns_;
};

}  // namespace evgen
