#include "core/io/hepmc3_writer.h"

#include <cmath>
#include <ostream>
#include <streambuf>
#include <utility>

#include "HepMC3/GenCrossSection.h"
#include "HepMC3/GenEvent.h"
#include "HepMC3/GenParticle.h"
#include "HepMC3/GenRunInfo.h"
#include "HepMC3/GenVertex.h"
#include "HepMC3/Units.h"
#include "HepMC3/WriterAscii.h"
#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/io/event_resonances.h"
#include "core/io/particle_table.h"
#include "core/io/table_particle_view.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

// AtomicFileBuf lets HepMC3::WriterAscii stream into an AtomicFileWriter, so
// memory stays flat however many events are written.
class AtomicFileBuf : public std::streambuf {
 public:
  explicit AtomicFileBuf(AtomicFileWriter* file) : file_(file), buffer_(size_t{1} << 20) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  absl::Status status() const { return status_; }

 protected:
  int_type overflow(int_type ch) override {
    if (Flush() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return Flush(); }

 private:
  int Flush() {
    const std::ptrdiff_t n = pptr() - pbase();
    if (n > 0 && status_.ok()) status_ = file_->Write(pbase(), static_cast<size_t>(n));
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return status_.ok() ? 0 : -1;
  }

  AtomicFileWriter* file_;
  std::vector<char> buffer_;
  absl::Status status_;
};

std::shared_ptr<HepMC3::GenRunInfo> RunInfo() {
  auto run = std::make_shared<HepMC3::GenRunInfo>();
  run->set_weight_names({"default"});
  HepMC3::GenRunInfo::ToolInfo tool;
  tool.name = "evgen";
  tool.version = "1";
  tool.description = "evgen HepMC3Writer";
  run->tools().push_back(tool);
  return run;
}

}  // namespace

// Impl's members are destroyed in reverse order: an abandoned WriterAscii
// still flushes into the buffer and the file before the file is dropped.
struct HepMC3Writer::Impl {
  std::string path;
  EventWriteSpec spec;
  std::vector<std::string> columns;
  AtomicFileWriter file;
  AtomicFileBuf buffer{&file};
  std::ostream stream{&buffer};
  std::shared_ptr<HepMC3::GenRunInfo> run;
  std::unique_ptr<HepMC3::WriterAscii> writer;
  int64_t events = 0;
  double sum_w = 0, sum_w2 = 0;
  std::vector<EventParticle> particles;
  // The intermediate particles of a known decay chain (event_resonances.h),
  // each written with its own decay vertex.
  std::vector<Resonance> resonances;
  std::vector<int> final_parent;  // per particle: its innermost resonance, or -1

  absl::Status WriteEvent(float weight);
};

absl::Status HepMC3Writer::Impl::WriteEvent(float weight) {
  HepMC3::GenEvent event(run, HepMC3::Units::GEV, HepMC3::Units::MM);
  event.set_event_number(static_cast<int>(events + 1));
  auto vertex = std::make_shared<HepMC3::GenVertex>();
  vertex->add_particle_in(std::make_shared<HepMC3::GenParticle>(
      HepMC3::FourVector(0, 0, spec.beam1_energy_gev, spec.beam1_energy_gev), spec.beam1_pdg_id, 4));
  vertex->add_particle_in(std::make_shared<HepMC3::GenParticle>(
      HepMC3::FourVector(0, 0, -spec.beam2_energy_gev, spec.beam2_energy_gev), spec.beam2_pdg_id, 4));
  event.add_vertex(vertex);
  // Each resonance leaves its mother's vertex (or the hard one) and decays
  // in a vertex of its own; mothers come before their daughters.
  std::vector<std::shared_ptr<HepMC3::GenVertex>> decay(resonances.size());
  for (size_t r = 0; r < resonances.size(); ++r) {
    HepMC3::FourVector sum;
    for (int f : resonances[r].finals) {
      const EventParticle& p = particles[f];
      sum += HepMC3::FourVector(p.px, p.py, p.pz, p.e);
    }
    auto resonance = std::make_shared<HepMC3::GenParticle>(sum, resonances[r].pdg_id, 2);
    resonance->set_generated_mass(sum.m());
    const int mother = resonances[r].mother;
    (mother >= 0 ? decay[mother] : vertex)->add_particle_out(resonance);
    decay[r] = std::make_shared<HepMC3::GenVertex>();
    decay[r]->add_particle_in(resonance);
    event.add_vertex(decay[r]);
  }
  for (size_t i = 0; i < particles.size(); ++i) {
    const EventParticle& p = particles[i];
    auto out = std::make_shared<HepMC3::GenParticle>(HepMC3::FourVector(p.px, p.py, p.pz, p.e),
                                                     p.pdg_id, 1);
    out->set_generated_mass(p.m);
    (final_parent[i] >= 0 ? decay[final_parent[i]] : vertex)->add_particle_out(out);
  }
  event.weights() = {static_cast<double>(weight)};
  ++events;
  sum_w += weight;
  sum_w2 += static_cast<double>(weight) * weight;
  auto cross_section = std::make_shared<HepMC3::GenCrossSection>();
  if (spec.cross_section_pb > 0) {
    cross_section->set_cross_section(spec.cross_section_pb, 0.0);
  } else {
    const double n = static_cast<double>(events), mean = sum_w / n;
    const double variance = std::max(0.0, sum_w2 / n - mean * mean);
    cross_section->set_cross_section(mean, std::sqrt(variance / n));
  }
  event.set_cross_section(cross_section);
  writer->write_event(event);
  if (writer->failed()) {
    return absl::InternalError(absl::StrCat(path, ": libHepMC3 failed writing event ", events));
  }
  return buffer.status();
}

HepMC3Writer::HepMC3Writer() : impl_(std::make_unique<Impl>()) {}
HepMC3Writer::~HepMC3Writer() = default;

absl::Status HepMC3Writer::Open(const std::string& path, const std::vector<std::string>& columns,
                                const EventWriteSpec& spec) {
  impl_ = std::make_unique<Impl>();
  Impl& d = *impl_;
  d.path = path;
  d.spec = spec;
  d.columns = columns;
  const Table shape(columns);
  absl::Status valid = TableParticleView::Create(shape, spec).status();
  if (!valid.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", valid.message()));
  d.resonances = TtbarResonances(spec);
  d.final_parent = InnermostResonance(d.resonances, spec.particles.size());
  EVGEN_RETURN_IF_ERROR(d.file.Open(path));
  d.run = RunInfo();
  d.writer = std::make_unique<HepMC3::WriterAscii>(d.stream, d.run);
  return absl::OkStatus();
}

absl::Status HepMC3Writer::Append(const Table& events) {
  Impl& d = *impl_;
  if (d.writer == nullptr) return absl::FailedPreconditionError("HepMC3Writer: not open");
  if (events.columns() != d.columns) {
    return absl::InvalidArgumentError(absl::StrCat(d.path, ": appended rows have other columns"));
  }
  absl::StatusOr<TableParticleView> view = TableParticleView::Create(events, d.spec, d.events);
  if (!view.ok()) return absl::InvalidArgumentError(absl::StrCat(d.path, ": ", view.status().message()));
  for (int64_t r = 0; r < events.num_rows(); ++r) {
    absl::Status row = view->Row(r, &d.particles);
    if (!row.ok()) return absl::InvalidArgumentError(absl::StrCat(d.path, ": ", row.message()));
    EVGEN_RETURN_IF_ERROR(d.WriteEvent(events.weight(r)));
  }
  return absl::OkStatus();
}

absl::Status HepMC3Writer::Commit() {
  Impl& d = *impl_;
  if (d.writer == nullptr) return absl::FailedPreconditionError("HepMC3Writer: not open");
  if (d.events == 0) {
    d.file.Abandon();
    return absl::InvalidArgumentError(absl::StrCat(d.path, ": nothing to write, the table has no rows"));
  }
  d.writer->close();
  d.writer.reset();
  d.stream.flush();
  EVGEN_RETURN_IF_ERROR(d.buffer.status());
  if (!d.stream) return absl::InternalError(absl::StrCat(d.path, ": writing failed"));
  return d.file.Commit();
}

absl::Status WriteHepMC3(const std::string& path, const Table& events, const EventWriteSpec& spec) {
  HepMC3Writer writer;
  EVGEN_RETURN_IF_ERROR(writer.Open(path, events.columns(), spec));
  EVGEN_RETURN_IF_ERROR(writer.Append(events));
  return writer.Commit();
}

}  // namespace evgen
