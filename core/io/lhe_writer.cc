#include "core/io/lhe_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/io/colour_flow.h"
#include "core/io/event_resonances.h"
#include "core/io/particle_table.h"
#include "core/io/table_particle_view.h"
#include "core/io/text_fields.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

// kFlushBytes: events are written out in pieces of about this size.
constexpr size_t kFlushBytes = size_t{1} << 20;

// NetColour is the colour a resonance carries: its descendants' tags less
// the ones joined among themselves.
absl::StatusOr<ColourTags> NetColour(const Resonance& r, const ColourFlow& flow) {
  std::vector<int> colours, anticolours;
  for (int f : r.finals) {
    if (flow.outgoing[f].colour != 0) colours.push_back(flow.outgoing[f].colour);
    if (flow.outgoing[f].anticolour != 0) anticolours.push_back(flow.outgoing[f].anticolour);
  }
  std::vector<int> open_c, open_a;
  for (int c : colours) {
    if (std::find(anticolours.begin(), anticolours.end(), c) == anticolours.end()) open_c.push_back(c);
  }
  for (int a : anticolours) {
    if (std::find(colours.begin(), colours.end(), a) == colours.end()) open_a.push_back(a);
  }
  if (open_c.size() > 1 || open_a.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("resonance ", r.pdg_id, " would carry more than one colour line"));
  }
  return ColourTags{open_c.empty() ? 0 : open_c[0], open_a.empty() ? 0 : open_a[0]};
}

// WeightSummary keeps what the <init> block needs of the weights seen.
struct WeightSummary {
  int64_t rows = 0;
  float first = 0;
  int64_t negative_row = -1, unequal_row = -1;  // 0-based, -1: none yet
  float negative = 0, unequal = 0;
  double sum = 0, max_abs = 0;

  void Add(float w) {
    if (rows == 0) first = w;
    if (negative_row < 0 && w < 0) negative_row = rows, negative = w;
    if (unequal_row < 0 && std::abs(w) != std::abs(first)) unequal_row = rows, unequal = w;
    sum += w;
    max_abs = std::max(max_abs, std::abs(static_cast<double>(w)));
    ++rows;
  }
};

// ChooseIdwtup returns `requested` if it describes the weights, or, for 0,
// the IDWTUP that does (EventWriteSpec::idwtup).
absl::StatusOr<int> ChooseIdwtup(const WeightSummary& w, int requested) {
  if (requested == 0) {
    if (w.unequal_row < 0) return w.negative_row < 0 ? 3 : -3;
    return w.negative_row < 0 ? 4 : -4;
  }
  if (requested > 0 && w.negative_row >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "idwtup ", requested, " means non-negative weights; row ", w.negative_row + 1,
        " has weight ", w.negative, " (use idwtup ", -requested, ")"));
  }
  if (std::abs(requested) == 3 && w.unequal_row >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "idwtup ", requested, " means unweighted events (weights of one magnitude); row ",
        w.unequal_row + 1, " has weight ", w.unequal, ", row 1 ", w.first, " (use idwtup ",
        requested > 0 ? 4 : -4, ")"));
  }
  return requested;
}

// FourMomentum is a sum of particles' momenta.
struct FourMomentum {
  double e = 0, px = 0, py = 0, pz = 0;
  void Add(const EventParticle& p) { e += p.e, px += p.px, py += p.py, pz += p.pz; }
  double Mass() const {
    const double m2 = e * e - px * px - py * py - pz * pz;
    return m2 > 0 ? std::sqrt(m2) : 0.0;
  }
};

}  // namespace

struct LheWriter::Impl {
  std::string path;
  EventWriteSpec spec;
  std::vector<std::string> columns;
  ColourFlow colour;
  std::vector<Resonance> resonances;
  std::vector<ColourTags> resonance_colour;
  // final_mother: per final-state particle, its record line's MOTHUP.
  std::vector<int> final_mother;
  AtomicFileWriter file;
  int64_t init_offset = 0;
  int64_t init_bytes = 0;
  WeightSummary weights;
  std::string out;
  std::vector<EventParticle> finals;

  bool two_incoming() const { return spec.incoming_pdg_ids.size() == 2; }
  absl::Status PlanRecord();
  std::string InitLines(int idwtup, double xsec, double xmax) const;
  void AddEvent(float weight);
  void AddLine(int pdg_id, int status, int mother1, int mother2, const ColourTags& c,
               const FourMomentum& p, double m);
  absl::Status Flush();
};

// PlanRecord fixes what is the same in every event: the colour lines, the
// resonances and every particle's mothers.
absl::Status LheWriter::Impl::PlanRecord() {
  resonances = TtbarResonances(spec);
  std::vector<int> final_ids;
  for (const EventWriteSpec::Particle& p : spec.particles) final_ids.push_back(p.pdg_id);
  // A W's quark and antiquark leave as a colour singlet.
  std::vector<std::pair<int, int>> singlets;
  for (const Resonance& r : resonances) {
    if (std::abs(r.pdg_id) != 24) continue;
    const int a = r.finals[0], b = r.finals[1];
    if (IsQuark(final_ids[a]) && IsAntiquark(final_ids[b])) singlets.emplace_back(a, b);
    if (IsAntiquark(final_ids[a]) && IsQuark(final_ids[b])) singlets.emplace_back(b, a);
  }
  EVGEN_ASSIGN_OR_RETURN(colour, AssignColours(spec.incoming_pdg_ids, final_ids, singlets));
  const int first_resonance_line = two_incoming() ? 3 : 1;
  for (const Resonance& r : resonances) {
    EVGEN_ASSIGN_OR_RETURN(const ColourTags tags, NetColour(r, colour));
    resonance_colour.push_back(tags);
  }
  final_mother.clear();
  for (int r : InnermostResonance(resonances, spec.particles.size())) {
    final_mother.push_back(r >= 0 ? first_resonance_line + r : (two_incoming() ? 1 : 0));
  }
  return absl::OkStatus();
}

// InitLines prints the <init> block's two numeric lines with fixed-width
// fields, so that the values known at the end fit the placeholder exactly.
std::string LheWriter::Impl::InitLines(int idwtup, double xsec, double xmax) const {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, " %d %d %.10e %.10e 0 0 0 0 %2d 1\n %20.10e %20.10e %20.10e %d\n",
                spec.beam1_pdg_id, spec.beam2_pdg_id, spec.beam1_energy_gev, spec.beam2_energy_gev,
                idwtup, xsec, 0.0, xmax, spec.process_id);
  return buffer;
}

void LheWriter::Impl::AddLine(int pdg_id, int status, int mother1, int mother2, const ColourTags& c,
                              const FourMomentum& p, double m) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, " %8d %2d %d %d %d %d %.10e %.10e %.10e %.10e %.10e 0 9\n",
                pdg_id, status, mother1, mother2, c.colour, c.anticolour, p.px, p.py, p.pz, p.e, m);
  out += buffer;
}

void LheWriter::Impl::AddEvent(float weight) {
  FourMomentum total;
  for (const EventParticle& p : finals) total.Add(p);
  const double scale = spec.scale_gev > 0 ? spec.scale_gev : total.Mass();
  const int nup = static_cast<int>(finals.size() + resonances.size()) + (two_incoming() ? 2 : 0);
  const std::string xwgtup = text::ShortestFloat(weight);
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, "<event>\n %d %d %s %.10e %.10e %.10e\n", nup,
                spec.process_id, xwgtup.c_str(), scale, spec.alpha_qed, spec.alpha_qcd);
  out += buffer;
  if (two_incoming()) {
    // Massless partons along the beams carrying the final state's E and pz.
    const double e1 = 0.5 * (total.e + total.pz), e2 = 0.5 * (total.e - total.pz);
    AddLine(spec.incoming_pdg_ids[0], -1, 0, 0, colour.incoming[0], FourMomentum{e1, 0, 0, e1}, 0);
    AddLine(spec.incoming_pdg_ids[1], -1, 0, 0, colour.incoming[1], FourMomentum{e2, 0, 0, -e2}, 0);
  }
  const int first_resonance_line = two_incoming() ? 3 : 1;
  for (size_t i = 0; i < resonances.size(); ++i) {
    const Resonance& r = resonances[i];
    FourMomentum p;
    for (int f : r.finals) p.Add(finals[f]);
    const int mother = r.mother >= 0 ? first_resonance_line + r.mother : (two_incoming() ? 1 : 0);
    const int mother2 = r.mother >= 0 ? mother : (two_incoming() ? 2 : 0);
    AddLine(r.pdg_id, 2, mother, mother2, resonance_colour[i], p, p.Mass());
  }
  for (size_t i = 0; i < finals.size(); ++i) {
    const EventParticle& p = finals[i];
    const int mother = final_mother[i];
    const int mother2 = mother == 1 && two_incoming() ? 2 : mother;
    AddLine(p.pdg_id, 1, mother, mother2, colour.outgoing[i], FourMomentum{p.e, p.px, p.py, p.pz},
            p.m);
  }
  out += "</event>\n";
}

absl::Status LheWriter::Impl::Flush() {
  EVGEN_RETURN_IF_ERROR(file.Write(out));
  out.clear();
  return absl::OkStatus();
}

LheWriter::LheWriter() : impl_(std::make_unique<Impl>()) {}
LheWriter::~LheWriter() = default;

absl::Status LheWriter::Open(const std::string& path, const std::vector<std::string>& columns,
                             const EventWriteSpec& spec, int64_t events) {
  impl_ = std::make_unique<Impl>();
  Impl& d = *impl_;
  d.path = path;
  d.spec = spec;
  d.columns = columns;
  if (!spec.incoming_pdg_ids.empty() && !d.two_incoming()) {
    return absl::InvalidArgumentError("incoming_pdg_ids: give two ids or none");
  }
  const Table shape(columns);
  absl::Status valid = TableParticleView::Create(shape, spec).status();
  if (valid.ok()) valid = d.PlanRecord();
  if (!valid.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", valid.message()));
  EVGEN_RETURN_IF_ERROR(d.file.Open(path));
  absl::StrAppend(&d.out, "<LesHouchesEvents version=\"3.0\">\n<header>\n<!-- written by evgen: ",
                  events, " events, particles");
  for (const EventWriteSpec::Particle& p : spec.particles) {
    absl::StrAppend(&d.out, " ", p.prefix, "=", p.pdg_id);
  }
  if (!d.resonances.empty()) absl::StrAppend(&d.out, "; with the t, tbar, W+ and W- (status 2)");
  absl::StrAppend(&d.out, " -->\n</header>\n<init>\n");
  EVGEN_RETURN_IF_ERROR(d.Flush());
  d.init_offset = d.file.size();
  d.out = d.InitLines(0, 0, 0);
  d.init_bytes = static_cast<int64_t>(d.out.size());
  d.out += "<generator name='evgen' version='1'>evgen LheWriter</generator>\n</init>\n";
  return d.Flush();
}

absl::Status LheWriter::Append(const Table& events) {
  Impl& d = *impl_;
  if (events.columns() != d.columns) {
    return absl::InvalidArgumentError(absl::StrCat(d.path, ": appended rows have other columns"));
  }
  absl::StatusOr<TableParticleView> view = TableParticleView::Create(events, d.spec, d.weights.rows);
  if (!view.ok()) return absl::InvalidArgumentError(absl::StrCat(d.path, ": ", view.status().message()));
  for (int64_t r = 0; r < events.num_rows(); ++r) {
    absl::Status row = view->Row(r, &d.finals);
    if (!row.ok()) return absl::InvalidArgumentError(absl::StrCat(d.path, ": ", row.message()));
    d.weights.Add(events.weight(r));
    d.AddEvent(events.weight(r));
    if (d.out.size() > kFlushBytes) EVGEN_RETURN_IF_ERROR(d.Flush());
  }
  return absl::OkStatus();
}

absl::Status LheWriter::Commit() {
  Impl& d = *impl_;
  if (d.weights.rows == 0) {
    d.file.Abandon();
    return absl::InvalidArgumentError(absl::StrCat(d.path, ": nothing to write, the table has no rows"));
  }
  absl::StatusOr<int> idwtup = ChooseIdwtup(d.weights, d.spec.idwtup);
  if (!idwtup.ok()) {
    d.file.Abandon();
    return absl::InvalidArgumentError(absl::StrCat(d.path, ": ", idwtup.status().message()));
  }
  const double xsec = d.spec.cross_section_pb > 0 ? d.spec.cross_section_pb
                                                  : d.weights.sum / static_cast<double>(d.weights.rows);
  const std::string init = d.InitLines(*idwtup, xsec, d.weights.max_abs > 0 ? d.weights.max_abs : 1.0);
  if (static_cast<int64_t>(init.size()) != d.init_bytes) {
    d.file.Abandon();
    return absl::InternalError(absl::StrCat(d.path, ": the <init> values do not fit their placeholder"));
  }
  d.out += "</LesHouchesEvents>\n";
  EVGEN_RETURN_IF_ERROR(d.Flush());
  EVGEN_RETURN_IF_ERROR(d.file.WriteAt(d.init_offset, init));
  return d.file.Commit();
}

absl::Status WriteLhe(const std::string& path, const Table& events, const EventWriteSpec& spec) {
  LheWriter writer;
  EVGEN_RETURN_IF_ERROR(writer.Open(path, events.columns(), spec, events.num_rows()));
  EVGEN_RETURN_IF_ERROR(writer.Append(events));
  return writer.Commit();
}

}  // namespace evgen
