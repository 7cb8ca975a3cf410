// jetnet.h: particle-cloud jets in the JetNet HDF5 layout <-> evgen's long
// jet-cloud table.
//
// JetNet layout (Kansal et al., arXiv:2106.11535; the Zenodo JetNet files,
// record 6975118), all float32:
//   particle_features  [N, P, 4]: per particle (eta_rel, phi_rel, pt_rel,
//                      mask); pt_rel = pT / jet pT; mask 1 for a real
//                      particle, 0 for padding (padding rows are all zero).
//   jet_features       [N, 4]: (pt_gev, eta, mass_gev, num_particles).
// evgen adds datasets that JetNet readers ignore, so that its own files
// round-trip exactly:
//   particle_log_pt    [N, P]: ln(pT / GeV) per particle (0 for padding);
//                      pt_rel * jet pT would round it.
//   particle_log_e     [N, P]: ln(E / GeV) per particle (0 for padding), when
//                      the table has log_e.
//   jet_is_top         [N]: 1 for a top jet, 0 for QCD, when the table has
//                      is_top or the write option is_top is given. JetNet
//                      keeps one jet type per file instead (t.hdf5, g.hdf5).
//
// evgen's long table (core/physics/jet_clouds.h; copied here because evgen_io
// must not depend on core/physics): one row per constituent, jets consecutive,
//   jet, constituent, log_pt, log_e, eta_rel, phi_rel,
//   jet_pt_gev, jet_eta, jet_mass_gev, n_constituents, is_top
// with log_pt = ln(pT / GeV) and log_e = ln(E / GeV).
//
// Writing pads each jet to P = max_particles (default 100, the jet-clouds
// maximum; 0 means the largest multiplicity in the table, known only once the
// whole table is there) in constituent order. WriteJetNet converts a table
// in memory; JetNetWriter (jetnet_writer.h) streams one jet at a time, which
// StreamingTableWriter (`evgen sample -o jets.h5`) uses unless
// max_particles is 0. Both convert each jet with JetNetJetConverter below,
// so they check the same things and write the same arrays.
//
// The table needs jet, constituent, log_pt, eta_rel, phi_rel and
// n_constituents (a jet-cloud model's samples have no more); extra columns
// are ignored. A jet column it lacks is derived from the constituents taken
// as massless (massless_sum.h): jet_pt_gev their summed pT, jet_mass_gev
// their mass, jet_eta 0 (the frame of eta_rel). Each jet's rows must be
// consecutive, under a finite jet id that no other jet has, with
// constituent 0, 1, ..., n-1, n_constituents = n, the jet columns constant
// over the jet and the jet pT > 0.
//
// Reading numbers jets 0..N-1 in file order and takes each jet's real
// particles in array order: log_pt from particle_log_pt or else
// ln(pt_rel * jet pT), log_e from particle_log_e or, without it (JetNet's
// own files), for a massless particle at eta = jet_eta + eta_rel:
// log_e = log_pt + ln(cosh(eta)); is_top from jet_is_top or else the option
// is_top. n_constituents is the mask count (the num_particles feature is not
// used). Errors (InvalidArgument naming the file, dataset and jet): missing
// datasets, wrong ranks or shapes, N or P zero, a mask other than 0/1, a
// padding slot (mask 0) with non-zero values, a jet without particles, a
// real particle with pt_rel <= 0, a jet pT <= 0.
//
// Example:
//   EVGEN_RETURN_IF_ERROR(WriteJetNet("jets.hdf5", clouds));
//   EVGEN_ASSIGN_OR_RETURN(Table back, ReadJetNet("jets.hdf5"));
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

// JetNetLongColumns is the column list of the long jet-cloud table
// (JetCloudColumns() in core/physics/jet_clouds.h).
const std::vector<std::string>& JetNetLongColumns();

// FitsJetNetLayout: whether a table of these columns can be written as a
// JetNet file without losing a column (the required ones present, every
// column a long one). The stream writer then picks JetNet for .h5/.hdf5.
bool FitsJetNetLayout(const std::vector<std::string>& columns);

struct JetNetWriteOptions {
  // max_particles: P, the padded particle count; 0 takes the table's largest
  // multiplicity. A jet with more constituents is an error.
  int max_particles = 100;
  // is_top fills jet_is_top for a table without an is_top column (e.g. the
  // samples of a model trained on top jets only).
  std::optional<float> is_top;
};

struct JetNetReadOptions {
  // is_top fills the is_top column for files without jet_is_top (e.g. 1 for
  // JetNet's t.hdf5).
  float is_top = 0;
};

// Option parsers: "max_particles" and "is_top" for writing, "is_top" for reading; unknown
// keys are InvalidArgument naming them.
[[nodiscard]] absl::StatusOr<JetNetWriteOptions> ParseJetNetWriteOptions(
    const std::map<std::string, std::string>& options);
[[nodiscard]] absl::StatusOr<JetNetReadOptions> ParseJetNetReadOptions(
    const std::map<std::string, std::string>& options);

// JetNetArrays holds the layout's arrays in memory (row-major).
struct JetNetArrays {
  int64_t jets = 0;       // N
  int64_t particles = 0;  // P
  std::vector<float> particle_features;  // N * P * 4
  std::vector<float> jet_features;       // N * 4
  std::vector<float> particle_log_pt;    // N * P, or empty
  std::vector<float> particle_log_e;     // N * P, or empty
  std::vector<float> jet_is_top;         // N, or empty
};

// LongTableToJetNet and JetNetToLongTable convert in memory; `source` names
// the input in error messages.
[[nodiscard]] absl::StatusOr<JetNetArrays> LongTableToJetNet(const Table& table,
                                                             const JetNetWriteOptions& options,
                                                             const std::string& source);
[[nodiscard]] absl::StatusOr<Table> JetNetToLongTable(const JetNetArrays& arrays,
                                                      const JetNetReadOptions& options,
                                                      const std::string& source);

// JetNetJetConverter checks and converts one jet of the long table at a
// time: the step LongTableToJetNet repeats over a table and JetNetWriter
// over a stream. It remembers the ids of the jets converted, to refuse one
// that comes back, as runs of consecutive integers (a table of jets 0, 1,
// 2, ... takes one entry), so a stream's memory does not grow with its jets.
class JetNetJetConverter {
 public:
  // Create finds the long columns among `columns`: InvalidArgument naming a
  // missing required one. `source` names the input in messages.
  [[nodiscard]] static absl::StatusOr<JetNetJetConverter> Create(
      const std::vector<std::string>& columns, const JetNetWriteOptions& options,
      std::string source);

  // has_log_e and has_is_top: whether the arrays get particle_log_e and
  // jet_is_top.
  bool has_log_e() const;
  bool has_is_top() const;
  // Allocate sizes `out` for `jets` jets of `particles` slots, all zero; an
  // overflowing size is InvalidArgument.
  [[nodiscard]] absl::Status Allocate(int64_t jets, int64_t particles, JetNetArrays* out) const;
  // JetEnd returns the end of the run of rows from `begin` that share row
  // begin's jet id (at least begin + 1): the jet's rows if `rows` hold all
  // of them.
  int64_t JetEnd(const Table& rows, int64_t begin) const;
  // Convert checks rows [begin, end) of `rows` as jet number `jet` (its
  // first row is row `first_row` of the whole table, for messages) and
  // writes it, padded with zeros to out->particles, into jet slot `slot` of
  // `out` (Allocate'd for more than `slot` jets).
  [[nodiscard]] absl::Status Convert(const Table& rows, int64_t begin, int64_t end, int64_t jet,
                                     int64_t first_row, int64_t slot, JetNetArrays* out);
  // TooManyConstituents is the error for jet number `jet` with `count`
  // constituents, more than `particles`; `at_least` when more rows may come
  // (a stream refuses a jet as soon as it outgrows P).
  absl::Status TooManyConstituents(int64_t jet, int64_t first_row, int64_t count, int64_t particles,
                                   bool at_least) const;

 private:
  JetNetJetConverter() = default;
  // FirstSight records `id`, false if a jet had it before.
  bool FirstSight(float id);

  std::vector<int> col_;  // per long column, its index in the table or -1
  std::optional<float> is_top_;
  std::string source_;
  std::map<int64_t, int64_t> id_runs_;  // first -> last of integer ids seen
  std::set<float> other_ids_;           // the ids seen that are not integers
};

[[nodiscard]] absl::Status WriteJetNet(const std::string& path, const Table& table,
                                       const JetNetWriteOptions& options = {});
[[nodiscard]] absl::StatusOr<Table> ReadJetNet(const std::string& path,
                                               const JetNetReadOptions& options = {});
[[nodiscard]] absl::StatusOr<Table> ReadJetNetWithOptions(const std::string& path,
                                               const std::map<std::string, std::string>& options);

}  // namespace evgen
