#include "core/io/particle_table.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/checked_size.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

// kPaddedValuesAlwaysAllowed: a padded table this small is built whatever
// its padding costs; beyond it, padding may multiply the particles read by at
// most kMaxPaddingFactor, so that one outlier event (a file is untrusted)
// cannot make the reader allocate gigabytes of fill values.
constexpr int64_t kPaddedValuesAlwaysAllowed = int64_t{1} << 28;
constexpr int64_t kMaxPaddingFactor = 4;

bool FitsFloat(double v) { return std::isfinite(static_cast<float>(v)); }

}  // namespace

absl::StatusOr<ParticleTableBuilder> ParticleTableBuilder::Create(ParticleSelection selection) {
  if (selection.statuses.empty()) {
    return absl::InvalidArgumentError("particle selection: statuses is empty; give e.g. {1}");
  }
  if (!selection.pdg_ids.empty() && !selection.slot_names.empty() &&
      selection.slot_names.size() != selection.pdg_ids.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("particle selection: ", selection.slot_names.size(), " slot_names for ",
                     selection.pdg_ids.size(), " pdg_ids"));
  }
  if (selection.pdg_ids.empty() && !selection.slot_names.empty() && selection.multiplicity > 0 &&
      selection.layout != ParticleLayout::kParticles &&
      static_cast<int>(selection.slot_names.size()) != selection.multiplicity) {
    return absl::InvalidArgumentError(
        absl::StrCat("particle selection: ", selection.slot_names.size(),
                     " slot_names for multiplicity ", selection.multiplicity));
  }
  if (selection.layout != ParticleLayout::kFixed && !selection.pdg_ids.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "option layout=", ParticleLayoutName(selection.layout),
        " takes every particle with an allowed status and cannot be combined with pdg_ids "
        "(slots by PDG id use layout=fixed)"));
  }
  if (selection.layout == ParticleLayout::kParticles && !selection.slot_names.empty()) {
    return absl::InvalidArgumentError(
        "option slot_names: layout=particles has one row per particle and no slots to name");
  }
  if (std::isinf(selection.pad_value)) {
    return absl::InvalidArgumentError("option pad_value: give a finite number or nan");
  }
  std::set<std::string> seen;
  for (const std::string& n : selection.slot_names) {
    if (n.empty()) return absl::InvalidArgumentError("particle selection: empty slot name");
    if (!seen.insert(n).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("particle selection: slot name '", n, "' given twice"));
    }
  }
  ParticleTableBuilder b;
  b.selection_ = std::move(selection);
  const ParticleSelection& s = b.selection_;
  if (s.layout == ParticleLayout::kFixed) {
    b.fixed_slots_ = !s.pdg_ids.empty() ? static_cast<int>(s.pdg_ids.size()) : s.multiplicity;
    if (b.fixed_slots_ > 0) b.columns_ = b.SlotColumns(b.fixed_slots_);
  } else if (s.layout == ParticleLayout::kParticles) {
    b.columns_ = {"event", "particle", "n_particles", "e_gev", "px_gev", "py_gev", "pz_gev"};
    if (s.include_mass) b.columns_.push_back("m_gev");
    if (s.include_pdg_id) b.columns_.push_back("pdg_id");
  }
  return b;
}

int ParticleTableBuilder::FieldsPerParticle() const {
  return 4 + (selection_.include_mass ? 1 : 0) + (selection_.include_pdg_id ? 1 : 0);
}

std::string ParticleTableBuilder::SlotName(int slot) const {
  return selection_.slot_names.empty() ? absl::StrCat("p", slot + 1)
                                       : selection_.slot_names[slot];
}

std::vector<std::string> ParticleTableBuilder::SlotColumns(int slots) const {
  std::vector<std::string> out;
  for (int i = 0; i < slots; ++i) {
    std::string name = SlotName(i);
    for (const char* suffix : {"_e_gev", "_px_gev", "_py_gev", "_pz_gev"}) {
      out.push_back(name + suffix);
    }
    if (selection_.include_mass) out.push_back(name + "_m_gev");
    if (selection_.include_pdg_id) out.push_back(name + "_pdg_id");
  }
  return out;
}

bool ParticleTableBuilder::done() const {
  return selection_.max_events > 0 && kept_ >= selection_.max_events;
}

int64_t ParticleTableBuilder::skipped() const { return counts_report_.events_skipped_total(); }

// Pick collects the event's selected particles; *skip names the reason when
// the event is to be skipped instead.
absl::Status ParticleTableBuilder::Pick(const std::vector<EventParticle>& particles,
                                        const std::string& where,
                                        std::vector<const EventParticle*>* picked,
                                        const char** skip) {
  auto status_ok = [&](int status) {
    return std::find(selection_.statuses.begin(), selection_.statuses.end(), status) !=
           selection_.statuses.end();
  };
  if (selection_.pdg_ids.empty()) {
    for (const EventParticle& p : particles) {
      if (status_ok(p.status)) picked->push_back(&p);
    }
    return absl::OkStatus();
  }
  used_.assign(particles.size(), 0);
  for (size_t s = 0; s < selection_.pdg_ids.size(); ++s) {
    const int want = selection_.pdg_ids[s];
    const EventParticle* found = nullptr;
    for (size_t i = 0; i < particles.size() && found == nullptr; ++i) {
      const EventParticle& p = particles[i];
      if (used_[i] || !status_ok(p.status)) continue;
      if (selection_.abs_pdg ? std::abs(p.pdg_id) == std::abs(want) : p.pdg_id == want) {
        used_[i] = 1;
        found = &p;
      }
    }
    if (found == nullptr) {
      if (selection_.skip_incomplete) {
        *skip = kSkipMissingParticle;
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": no particle with PDG id ", selection_.abs_pdg ? "+-" : "", want,
          " and status in {", absl::StrJoin(selection_.statuses, ","), "} left for slot ", s + 1,
          " (", SlotName(static_cast<int>(s)), "); set skip_incomplete to skip such events"));
    }
    picked->push_back(found);
  }
  return absl::OkStatus();
}

// CheckFixed applies the fixed layout's one multiplicity to an
// all-final-state event of `count` particles; the first event sets it unless
// the selection did.
absl::Status ParticleTableBuilder::CheckFixed(size_t count, const std::string& where,
                                              const char** skip) {
  if (fixed_slots_ == 0) {
    const std::string statuses = absl::StrJoin(selection_.statuses, ",");
    if (count == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": no particle with status in {", statuses, "}"));
    }
    if (!selection_.slot_names.empty() && selection_.slot_names.size() != count) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", count,
                                                     " final-state particles but ",
                                                     selection_.slot_names.size(), " slot_names"));
    }
    fixed_slots_ = static_cast<int>(count);
    columns_ = SlotColumns(fixed_slots_);
  }
  if (static_cast<int>(count) == fixed_slots_) return absl::OkStatus();
  if (selection_.skip_incomplete) {
    *skip = kSkipOtherMultiplicity;
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      where, ": ", count, " particles with status in {", absl::StrJoin(selection_.statuses, ","),
      "}, expected ", fixed_slots_,
      " (layout=fixed needs one multiplicity; layout=padded or layout=particles keep every "
      "event, skip_incomplete skips and counts the others)"));
}

void ParticleTableBuilder::AppendParticle(const EventParticle& p, std::vector<float>* out) const {
  out->push_back(static_cast<float>(p.e));
  out->push_back(static_cast<float>(p.px));
  out->push_back(static_cast<float>(p.py));
  out->push_back(static_cast<float>(p.pz));
  if (selection_.include_mass) out->push_back(static_cast<float>(p.m));
  if (selection_.include_pdg_id) out->push_back(static_cast<float>(p.pdg_id));
}

absl::Status ParticleTableBuilder::AppendParticleRows(const std::vector<const EventParticle*>& picked,
                                                      float weight, const std::string& where) {
  if (events_seen_ > kMaxExactEventId) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": layout=particles numbers events in a float32 column, exact only up to 2^24 = ",
        kMaxExactEventId, "; read the file in parts (max_events) or use layout=padded"));
  }
  const float n = static_cast<float>(picked.size());
  for (size_t i = 0; i < picked.size(); ++i) {
    values_.push_back(static_cast<float>(events_seen_));
    values_.push_back(static_cast<float>(i));
    values_.push_back(n);
    AppendParticle(*picked[i], &values_);
    weights_.push_back(weight);
  }
  return absl::OkStatus();
}

absl::Status ParticleTableBuilder::AddEvent(const std::vector<EventParticle>& particles,
                                            double weight, const std::string& where) {
  if (done()) return absl::OkStatus();
  ++events_seen_;
  std::vector<const EventParticle*> picked;
  const char* skip = nullptr;
  EVGEN_RETURN_IF_ERROR(Pick(particles, where, &picked, &skip));
  if (skip == nullptr && selection_.layout == ParticleLayout::kFixed && selection_.pdg_ids.empty()) {
    EVGEN_RETURN_IF_ERROR(CheckFixed(picked.size(), where, &skip));
  }
  const int64_t count = static_cast<int64_t>(picked.size());
  if (skip == nullptr && selection_.layout == ParticleLayout::kPadded &&
      selection_.multiplicity > 0 && count > selection_.multiplicity) {
    if (!selection_.skip_incomplete) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": ", count, " particles with status in {", absl::StrJoin(selection_.statuses, ","),
          "}, more than multiplicity=",
          selection_.multiplicity, " slots of layout=padded (raise it, or 0 pads to the widest "
          "event; skip_incomplete skips and counts such events)"));
    }
    skip = kSkipAboveMultiplicity;
  }
  if (skip == nullptr && selection_.layout == ParticleLayout::kParticles && count == 0) {
    if (!selection_.skip_incomplete) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": no particle with status in {", absl::StrJoin(selection_.statuses, ","),
                       "}, so layout=particles has no row for it; set skip_incomplete to skip "
                       "and count such events"));
    }
    skip = kSkipNoParticles;
  }
  if (skip != nullptr) {
    ++counts_report_.events_skipped[skip];
    return absl::OkStatus();
  }
  if (!FitsFloat(weight)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": event weight ", weight, " does not fit in float32"));
  }
  for (const EventParticle* p : picked) {
    for (double v : {p->e, p->px, p->py, p->pz, p->m}) {
      if (!FitsFloat(v)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": particle value ", v, " does not fit in float32"));
      }
    }
  }
  ++kept_;
  ++counts_report_.events_per_multiplicity[count];
  if (selection_.layout == ParticleLayout::kParticles) {
    return AppendParticleRows(picked, static_cast<float>(weight), where);
  }
  for (const EventParticle* p : picked) AppendParticle(*p, &values_);
  weights_.push_back(static_cast<float>(weight));
  if (selection_.layout == ParticleLayout::kPadded) {
    counts_.push_back(static_cast<int>(count));
    if (count > widest_) {
      widest_ = count;
      widest_where_ = where;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Table> ParticleTableBuilder::FinishPadded(const std::string& source) {
  const int64_t slots = selection_.multiplicity > 0 ? selection_.multiplicity : widest_;
  if (slots == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no event has a particle with status in {",
                     absl::StrJoin(selection_.statuses, ","), "}"));
  }
  if (!selection_.slot_names.empty() && static_cast<int64_t>(selection_.slot_names.size()) != slots) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": ", selection_.slot_names.size(), " slot_names for the ", slots,
        " slots of layout=padded (the widest event: ", widest_where_, ")"));
  }
  const int64_t fields = FieldsPerParticle();
  EVGEN_ASSIGN_OR_RETURN(const int64_t width,
                         CheckedProduct({slots, fields}, absl::StrCat(source, ": padded row")));
  EVGEN_ASSIGN_OR_RETURN(
      const int64_t total,
      CheckedProduct({kept_, width + 1}, absl::StrCat(source, ": padded table of ", kept_,
                                                      " events x ", slots, " slots")));
  const int64_t read = static_cast<int64_t>(values_.size()) + kept_;
  if (total > kPaddedValuesAlwaysAllowed && total / kMaxPaddingFactor > read) {
    return absl::ResourceExhaustedError(absl::StrCat(
        source, ": layout=padded would pad ", kept_, " events to ", slots,
        " particles (the widest event: ", widest_where_, "), ", total, " values for ", read,
        " read; use layout=particles, or multiplicity=N with skip_incomplete"));
  }
  std::vector<float> out(static_cast<size_t>(total), selection_.pad_value);
  size_t from = 0;
  for (int64_t r = 0; r < kept_; ++r) {
    float* row = out.data() + r * (width + 1);
    const size_t n = static_cast<size_t>(counts_[r]) * static_cast<size_t>(fields);
    row[0] = static_cast<float>(counts_[r]);
    std::copy(values_.begin() + from, values_.begin() + from + n, row + 1);
    from += n;
  }
  std::vector<std::string> columns = {"n_particles"};
  for (std::string& c : SlotColumns(static_cast<int>(slots))) columns.push_back(std::move(c));
  values_.clear();
  values_.shrink_to_fit();
  return Table::Create(std::move(columns), std::move(out), std::move(weights_));
}

absl::StatusOr<Table> ParticleTableBuilder::Finish(const std::string& source, ReadReport* report) {
  if (kept_ == 0) {
    std::vector<std::string> reasons;
    for (const auto& [reason, n] : counts_report_.events_skipped) {
      reasons.push_back(absl::StrCat(n, " ", reason));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": no event passed the particle selection (", events_seen_, " read, skipped: ",
        reasons.empty() ? "none" : absl::StrJoin(reasons, ", "), ")"));
  }
  absl::StatusOr<Table> table =
      selection_.layout == ParticleLayout::kPadded
          ? FinishPadded(source)
          : Table::Create(std::move(columns_), std::move(values_), std::move(weights_));
  if (!table.ok() || report == nullptr) return table;
  report->events_in_file = events_seen_;
  report->events_kept = kept_;
  report->events_skipped = counts_report_.events_skipped;
  report->events_per_multiplicity = counts_report_.events_per_multiplicity;
  report->rows = table->num_rows();
  report->columns = table->num_columns();
  if (done()) {
    report->notes.push_back(absl::StrCat("stopped after max_events=", selection_.max_events,
                                         " kept events; the file may hold more"));
  }
  return table;
}

}  // namespace evgen
