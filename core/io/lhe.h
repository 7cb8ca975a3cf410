// lhe.h: Les Houches Event files (LHEF, hep-ph/0609017 and its v3 update) <->
// Table, as MadGraph5_aMC@NLO, POWHEG and Pythia write them.
//
// Reading parses the <init> block and every <event> block, plain or gzipped
// (recognised by the gzip magic bytes, not by the name), and selects particles
// into rows (ParticleSelection in particle_table.h: one row per event, padded
// or not, or one row per particle). Anything else inside an
// event after its particle lines (<mgrwt>, <rwgt>, <weights>, <clustering>,
// '#' comment lines) is skipped. The event weight XWGTUP becomes the Table
// weight. The reader is strict: an event whose particle count disagrees with
// NUP, a line with the wrong number of fields or a non-number, a missing
// <init> block, a missing </LesHouchesEvents> (truncated file) and a file
// without events are InvalidArgument errors naming the file, the line and the
// event number, e.g. "events.lhe:1234: event 17: <event> block has 7 particle
// lines, NUP says 8".
//
// Writing (WriteLhe) turns a table of generated parton-level events into a
// valid LHE v3 file: a header, an <init> block with the beams from the spec,
// and one <event> per row with two incoming partons (status -1) balancing the
// final state's energy and longitudinal momentum, then the final-state
// particles (status 1, mothers 1 2) with PUP5 = sqrt(E^2 - p^2). Reading the
// file back with the same PDG ids gives the same table to float precision.
// docs/formats.md documents the layout, options and errors.
//
// The particle selection and the write spec are shared with hepmc3.h.
//
// Example:
//   ParticleSelection tops;
//   tops.pdg_ids = {6, -6};  // columns p1_e_gev ... p2_pz_gev: the t, then the tbar
//   EVGEN_ASSIGN_OR_RETURN(Table t, ReadLhe("unweighted_events.lhe.gz", tops));
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/particle_table.h"
#include "core/io/read_report.h"
#include "core/io/table.h"

namespace evgen {

using LheSelection = ParticleSelection;

// ParseParticleSelection reads a ParticleSelection from string options, as
// uploads pass them. Keys: pdg_ids ("6,-6"; empty or absent: all final-state
// particles), statuses ("1" or "1,2"), abs_pdg, include_mass, include_pdg_id,
// skip_incomplete (true/false/1/0), slot_names ("t,tbar"), layout
// (fixed/padded/particles), multiplicity, pad_value (a number or nan),
// max_events. Unknown keys and malformed values are InvalidArgument naming the
// key and the allowed values.
[[nodiscard]] absl::StatusOr<ParticleSelection> ParseParticleSelection(
    const std::map<std::string, std::string>& options);

// EventWriteSpec describes how the columns of a table map to particles when
// writing LHE or HepMC3 files.
struct EventWriteSpec {
  struct Particle {
    // prefix: columns <prefix>_px_gev, <prefix>_py_gev, <prefix>_pz_gev and,
    // if present, <prefix>_e_gev.
    std::string prefix;
    int pdg_id = 0;
    // mass_gev is used when the table has no <prefix>_e_gev column:
    // E = sqrt(p^2 + m^2). With an energy column the mass written is
    // sqrt(E^2 - p^2) (0 when rounding makes that negative).
    std::optional<double> mass_gev;
  };
  std::vector<Particle> particles;
  int beam1_pdg_id = 2212;
  int beam2_pdg_id = 2212;
  double beam1_energy_gev = 6500.0;
  double beam2_energy_gev = 6500.0;
  // incoming_pdg_ids: the two incoming partons of the LHE record (status -1);
  // empty writes final-state particles only (mothers 0 0).
  std::vector<int> incoming_pdg_ids = {21, 21};
  int process_id = 1;
  // idwtup: the <init> IDWTUP (weighting strategy, +-1..+-4); 0 chooses it
  // from the weights: 3 for equal positive weights (or none), -3 for equal
  // magnitudes of both signs, 4 for other non-negative weights, -4 otherwise.
  // A given value must describe the weights (3 and -3: equal magnitudes;
  // positive values: no negative weight).
  int idwtup = 0;
  // cross_section_pb: the <init> XSECUP; <= 0 writes the mean event weight
  // (1 for unweighted tables).
  double cross_section_pb = 0.0;
  // scale_gev: the SCALUP of every event; <= 0 writes the invariant mass of
  // the event's final state.
  double scale_gev = 0.0;
  double alpha_qed = 0.0078125;
  double alpha_qcd = 0.118;
};

using LheWriteSpec = EventWriteSpec;

// ParseEventWriteSpec builds a spec for `table` from string options. The
// particles are the column groups <prefix>_px_gev/_py_gev/_pz_gev found in
// column order. Keys: pdg_ids (one per group; required unless the groups are
// exactly p1..p6, the ttbar-allhad layout, whose default is d ubar bbar u dbar
// b = 1,-2,-5,2,-1,5), masses_gev (one per group, for tables without energy
// columns), beam_pdg_ids ("2212,2212"), beam_energies_gev ("6500,6500"),
// incoming_pdg_ids ("21,21" or "none"), process_id, idwtup, cross_section_pb,
// scale_gev. A read's ReadReport::write_options holds these keys for what the
// file said.
[[nodiscard]] absl::StatusOr<EventWriteSpec> ParseEventWriteSpec(
    const Table& table, const std::map<std::string, std::string>& options);

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

// WriteLhe writes one <event> per row, atomically (no partial file is ever
// visible). A weighted table's weights are the XWGTUP, printed with the
// fewest digits that read back to the same float32 (so a weight read with up
// to 6 significant digits is printed with the same digits); a table without
// weights writes XWGTUP = 1. IDWTUP is spec.idwtup, or chosen from the weights.
[[nodiscard]] absl::Status WriteLhe(const std::string& path, const Table& events,
                                    const EventWriteSpec& spec);

// ReadPossiblyGzippedFile returns the file's bytes, inflated when the file
// starts with the gzip magic bytes 1f 8b; a truncated or corrupt gzip stream
// is an error naming the file. *gzipped, when given, says which it was.
[[nodiscard]] absl::StatusOr<std::string> ReadPossiblyGzippedFile(const std::string& path,
                                                                  bool* gzipped = nullptr);

// TableParticleView maps a table row to its final-state particles (status 1)
// as an EventWriteSpec says; shared by the LHE and HepMC3 writers. The table
// must outlive the view.
class TableParticleView {
 public:
  [[nodiscard]] static absl::StatusOr<TableParticleView> Create(const Table& table,
                                                               const EventWriteSpec& spec);
  [[nodiscard]] absl::Status Row(int64_t row, std::vector<EventParticle>* particles) const;

 private:
  struct Columns {
    int e = -1, px = -1, py = -1, pz = -1;
    int pdg_id = 0;
    std::optional<double> mass_gev;
  };
  const Table* table_ = nullptr;
  std::vector<Columns> columns_;
};

}  // namespace evgen
