// hepmc3.h: HepMC event records (ASCII) <-> Table, through libHepMC3.
//
// Reading recognises the format from the listing's first lines, not from the
// file name: "HepMC::Asciiv3-START_EVENT_LISTING" is HepMC3 ASCII (read with
// HepMC3::ReaderAscii), "HepMC::IO_GenEvent-START_EVENT_LISTING" is a HepMC2
// IO_GenEvent file (read with HepMC3::ReaderAsciiHepMC2); gzipped files are
// inflated as they are read. Each pass over the file (the format, the check
// below, libHepMC3) streams it in blocks, so that a read holds its table and
// 16 bytes per event, not the file. Particles are selected into rows exactly as for LHE files
// (ParticleSelection in particle_selection.h, layouts included), by PDG id
// and HepMC status (1 = final state); momenta are converted to GeV. The first event weight
// becomes the Table weight (1 when an event has none).
//
// libHepMC3 parses numbers with atoi/atof and prints its complaints instead of
// returning them, so the reader first checks the listing itself: every E, V
// and P line has the right number of numeric fields, each event holds as many
// V and P lines as its E line (v3) or vertex lines (IO_GenEvent) declare, the
// END_EVENT_LISTING footer is present (otherwise the file is truncated), and
// nothing reaches libHepMC3 that it would misread or overrun (NUL bytes,
// fields not separated by single spaces, dangling escapes, over-long
// attribute names, out-of-range particle references; docs/formats.md).
// Errors are InvalidArgument naming the file, the line and the event.
//
// Writing is in hepmc3_writer.h (HepMC3Writer, WriteHepMC3).
//
// Example:
//   ParticleSelection muons;
//   muons.pdg_ids = {13, -13};
//   EVGEN_ASSIGN_OR_RETURN(Table t, ReadHepMC("events.hepmc", muons));
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/event_write_spec.h"
#include "core/io/particle_selection.h"
#include "core/io/read_report.h"
#include "core/io/table.h"

namespace evgen {

enum class HepMCFormat { kUnknown, kAsciiV3, kIoGenEvent };

struct HepMCFileInfo {
  HepMCFormat format = HepMCFormat::kUnknown;
  bool gzipped = false;
  int64_t events_in_file = 0;  // events read (up to max_events kept)
  int64_t events_skipped = 0;  // with skip_incomplete
  // report: the counts above by reason and multiplicity, and the table's shape.
  ReadReport report;
};

[[nodiscard]] absl::StatusOr<Table> ReadHepMC(const std::string& path,
                                              const ParticleSelection& selection,
                                              HepMCFileInfo* info = nullptr);
// ParseHepMC parses HepMC ASCII text; `source` names it in error messages.
[[nodiscard]] absl::StatusOr<Table> ParseHepMC(const std::string& text, const std::string& source,
                                               const ParticleSelection& selection,
                                               HepMCFileInfo* info = nullptr);
// ReadHepMC with options from ParseParticleSelection (keys pdg_ids, statuses,
// abs_pdg, include_mass, include_pdg_id, skip_incomplete, slot_names, layout,
// multiplicity, pad_value, max_events); `report`, when given, receives
// HepMCFileInfo::report.
[[nodiscard]] absl::StatusOr<Table> ReadHepMCWithOptions(const std::string& path,
                                              const std::map<std::string, std::string>& options,
                                              ReadReport* report = nullptr);

}  // namespace evgen
