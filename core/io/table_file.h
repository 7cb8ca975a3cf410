// table_file.h: reads and writes a Table in any format evgen knows, chosen by
// name or by the file's extension and content, for the CLI, uploads and the
// stores.
//
// Formats: "csv", "npy", "hdf5", "lhe" (also .lhe.gz), "hepmc3" (HepMC3 or
// HepMC2 ASCII), "jetnet" (JetNet particle-cloud HDF5). Format options (e.g.
// LHE particle selection) are passed as strings; docs/formats.md lists them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/read_report.h"
#include "core/io/table.h"

namespace evgen {

// TableFormats lists the format names, sorted.
const std::vector<std::string>& TableFormats();

// CheckTableFormat accepts "" (detect) and the names of TableFormats().
[[nodiscard]] absl::Status CheckTableFormat(const std::string& format);

// ResolveTableFormat returns `format` if set, else the format named by
// file_name's extension, else the one recognised from the content at `path`.
[[nodiscard]] absl::StatusOr<std::string> ResolveTableFormat(const std::string& format,
                                                             const std::string& file_name,
                                                             const std::string& path);

[[nodiscard]] absl::StatusOr<Table> ReadTableFile(const std::string& path);
[[nodiscard]] absl::StatusOr<Table> ReadTableFile(const std::string& path, const std::string& format,
                                                  const std::map<std::string, std::string>& options);
// ReadTableFile with a report of the read (read_report.h): events in the
// file, kept, skipped by reason, per multiplicity (LHE, HepMC), NaN values
// kept (CSV), notes, and the write options that restore the file's own
// settings (LHE). `report` may be null; it is reset on failure. A file of 0
// bytes or only whitespace is "PATH: empty file" in every format.
[[nodiscard]] absl::StatusOr<Table> ReadTableFile(const std::string& path, const std::string& format,
                                                  const std::map<std::string, std::string>& options,
                                                  ReadReport* report);
[[nodiscard]] absl::Status WriteTableFile(const std::string& path, const Table& table);
[[nodiscard]] absl::Status WriteTableFile(const std::string& path, const Table& table,
                                          const std::string& format,
                                          const std::map<std::string, std::string>& options);

}  // namespace evgen

namespace evgen {

// StreamingTableWriter writes a table of known size row block by row block,
// in the format named or else the one of the extension; a jet-cloud table
// (FitsJetNetLayout, jetnet.h) written to .h5/.hdf5 without a format name
// takes the JetNet layout. The file is published atomically on Commit();
// abandoned writes leave nothing behind. Every format streams with memory
// independent of the table size: npy, csv, hdf5 (Hdf5TableWriter), lhe
// (LheWriter), hepmc3 (HepMC3Writer) and jetnet (JetNetWriter, holding one
// jet and one chunk of jets); only JetNet with max_particles=0, which pads
// to the table's largest multiplicity, gathers the rows and writes them at
// Commit(). Rows with
// weights are written with them, in .npy and .csv as the last column
// "event_weight": the first rows appended decide, and all rows must then
// have weights, or none.
class StreamingTableWriter {
 public:
  StreamingTableWriter();
  ~StreamingTableWriter();
  // Open prepares `path`; format "" takes it from the extension.
  [[nodiscard]] absl::Status Open(const std::string& path, std::vector<std::string> columns,
                                  int64_t rows, const std::string& format = "",
                                  const std::map<std::string, std::string>& options = {});
  [[nodiscard]] absl::Status Append(const Table& rows);
  [[nodiscard]] absl::Status Commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evgen
