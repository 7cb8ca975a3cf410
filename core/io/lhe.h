// lhe.h: Les Houches Event files (LHEF, hep-ph/0609017 and its v3 update) <->
// Table, as MadGraph5_aMC@NLO, POWHEG and Pythia write them.
//
// Reading parses the <init> block and every <event> block, plain or gzipped
// (recognised by the gzip magic bytes, not by the name), streamed a line at
// a time (line_reader.h), so that a read holds its table, not the file (a
// 1 GB file gives a 58 MB table in 87 MB; docs/formats.md), and selects particles
// into rows (ParticleSelection in particle_selection.h: one row per event,
// padded or not, or one row per particle). Anything else inside an
// event after its particle lines (<mgrwt>, <rwgt>, <weights>, <clustering>,
// '#' comment lines) is skipped. The event weight XWGTUP becomes the Table
// weight. The reader is strict: an event whose particle count disagrees with
// NUP, a line with the wrong number of fields or a non-number, a missing
// <init> block, a missing </LesHouchesEvents> (truncated file) and a file
// without events are InvalidArgument errors naming the file, the line and the
// event number, e.g. "events.lhe:1234: event 17: <event> block has 7 particle
// lines, NUP says 8".
//
// Writing is in lhe_writer.h (LheWriter, WriteLhe).
//
// What is not LHE-specific lives in files of its own, shared with hepmc3.h
// and included here for the callers that found it in lhe.h: the particle
// selection (particle_selection.h), the write spec (event_write_spec.h), the
// table-to-particles view the writers use (table_particle_view.h) and
// gzip-aware file reading (possibly_gzipped_file.h).
//
// Example:
//   ParticleSelection tops;
//   tops.pdg_ids = {6, -6};  // columns p1_e_gev ... p2_pz_gev: the t, then the tbar
//   EVGEN_ASSIGN_OR_RETURN(Table t, ReadLhe("unweighted_events.lhe.gz", tops));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/event_write_spec.h"
#include "core/io/particle_selection.h"
#include "core/io/particle_table.h"
#include "core/io/possibly_gzipped_file.h"
#include "core/io/read_report.h"
#include "core/io/table.h"
#include "core/io/table_particle_view.h"

namespace evgen {

// The names the LHE reader and writer had before these types were shared.
using LheSelection = ParticleSelection;
using LheWriteSpec = EventWriteSpec;

// LheFileInfo reports what a read found besides the selected particles.
struct LheFileInfo {
  bool gzipped = false;
  int beam1_pdg_id = 0;
  int beam2_pdg_id = 0;
  double beam1_energy_gev = 0;
  double beam2_energy_gev = 0;
  int weighting_strategy = 0;  // IDWTUP
  // cross_sections_pb: XSECUP of each process in <init>.
  std::vector<double> cross_sections_pb;
  int64_t events_in_file = 0;  // events parsed (up to max_events kept)
  int64_t events_skipped = 0;  // with skip_incomplete
  // report: the counts above by reason and multiplicity, the table's shape,
  // and write_options (idwtup, beams, cross section) for WriteLhe.
  ReadReport report;
};

[[nodiscard]] absl::StatusOr<Table> ReadLhe(const std::string& path,
                                            const ParticleSelection& selection,
                                            LheFileInfo* info = nullptr);
// ParseLhe parses LHE text; `source` names it in error messages.
[[nodiscard]] absl::StatusOr<Table> ParseLhe(const std::string& text, const std::string& source,
                                             const ParticleSelection& selection,
                                             LheFileInfo* info = nullptr);
// ReadLhe with options from ParseParticleSelection; `report`, when given,
// receives LheFileInfo::report.
[[nodiscard]] absl::StatusOr<Table> ReadLheWithOptions(const std::string& path,
                                            const std::map<std::string, std::string>& options,
                                            ReadReport* report = nullptr);

}  // namespace evgen
