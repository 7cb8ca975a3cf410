#include "core/io/table_particle_view.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace evgen {

absl::StatusOr<TableParticleView> TableParticleView::Create(const Table& table,
                                                          const EventWriteSpec& spec,
                                                          int64_t first_row) {
  if (spec.particles.empty()) {
    return absl::InvalidArgumentError("the write spec lists no particles");
  }
  TableParticleView view;
  view.table_ = &table;
  view.first_row_ = first_row;
  for (const EventWriteSpec::Particle& p : spec.particles) {
    Columns c;
    c.pdg_id = p.pdg_id;
    c.mass_gev = p.mass_gev;
    EVGEN_ASSIGN_OR_RETURN(c.px, table.ColumnIndex(p.prefix + "_px_gev"));
    EVGEN_ASSIGN_OR_RETURN(c.py, table.ColumnIndex(p.prefix + "_py_gev"));
    EVGEN_ASSIGN_OR_RETURN(c.pz, table.ColumnIndex(p.prefix + "_pz_gev"));
    if (table.HasColumn(p.prefix + "_e_gev")) {
      EVGEN_ASSIGN_OR_RETURN(c.e, table.ColumnIndex(p.prefix + "_e_gev"));
    } else if (!p.mass_gev.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "particle '", p.prefix, "': the table has no ", p.prefix,
          "_e_gev column and the spec gives no mass_gev to compute the energy from"));
    }
    view.columns_.push_back(c);
  }
  return view;
}

absl::Status TableParticleView::Row(int64_t row, std::vector<EventParticle>* particles) const {
  particles->clear();
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Columns& c = columns_[i];
    EventParticle p;
    p.pdg_id = c.pdg_id;
    p.status = 1;
    p.px = table_->at(row, c.px);
    p.py = table_->at(row, c.py);
    p.pz = table_->at(row, c.pz);
    const double p2 = p.px * p.px + p.py * p.py + p.pz * p.pz;
    if (c.e >= 0) {
      p.e = table_->at(row, c.e);
      const double m2 = p.e * p.e - p2;
      p.m = m2 > 0 ? std::sqrt(m2) : 0.0;
    } else {
      p.m = *c.mass_gev;
      p.e = std::sqrt(p2 + p.m * p.m);
    }
    if (!std::isfinite(p.e) || !std::isfinite(p.px) || !std::isfinite(p.py) ||
        !std::isfinite(p.pz)) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", first_row_ + row, ", particle ", i + 1, ": non-finite momentum"));
    }
    particles->push_back(p);
  }
  return absl::OkStatus();
}

}  // namespace evgen
