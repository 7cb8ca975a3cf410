// jetnet_writer.h: streams a long jet-cloud table into a JetNet file
// (layout and checks in jetnet.h), so that memory does not grow with the jets.
//
// Rows arrive in blocks of any size, and a jet's rows may be split across
// blocks. A jet is complete once a row of another jet (or Commit) follows
// it, so only the last jet's rows are held back; complete jets are converted
// by the same JetNetJetConverter as WriteJetNet and gathered into a block of
// chunk_jets() jets, which is appended to the extendible datasets
// (Hdf5ArraysWriter) when full. Memory is one pending jet (at most
// max_particles rows: a jet that outgrows it is refused at once), one block
// (about 4 MiB at most) and libhdf5's chunk caches. The file holds the same
// datasets, shapes and values as WriteJetNet writes for the same table.
//
// max_particles 0 (the table's largest multiplicity) needs the whole table
// before the first jet is padded: Open refuses it, and StreamingTableWriter
// gathers the rows for WriteJetNet instead.
//
// The file is written to a temporary file beside the target and renamed onto
// it at Commit(). Any error (an invalid jet, rows other than promised, a
// failed write) drops the temporary file at once; so does destroying the
// writer before Commit. The target is then untouched.
//
// Example:
//   JetNetWriter out;
//   EVGEN_RETURN_IF_ERROR(out.Open("jets.h5", columns, total_rows));
//   for (const Table& block : blocks) EVGEN_RETURN_IF_ERROR(out.Append(block));
//   EVGEN_RETURN_IF_ERROR(out.Commit());
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/io/jetnet.h"
#include "core/io/table.h"

namespace evgen {

class JetNetWriter {
 public:
  JetNetWriter();
  ~JetNetWriter();
  JetNetWriter(const JetNetWriter&) = delete;
  JetNetWriter& operator=(const JetNetWriter&) = delete;

  // Open starts `path` for a table of `columns` and `rows` rows in all
  // (rows may come from a peer: it sizes nothing but the chunks, which are
  // capped). options.max_particles must be > 0.
  [[nodiscard]] absl::Status Open(const std::string& path, const std::vector<std::string>& columns,
                                  int64_t rows, const JetNetWriteOptions& options = {});
  [[nodiscard]] absl::Status Append(const Table& rows);
  // Commit converts the last jet and publishes the file once exactly the
  // promised rows are in; otherwise DataLoss, and nothing is saved.
  [[nodiscard]] absl::Status Commit();

  // chunk_jets is the jets per HDF5 chunk and per block written.
  int64_t chunk_jets() const;
  // held_rows and held_jets say what the writer holds in memory: the rows
  // of the last, maybe incomplete, jet and the converted jets not yet
  // written (fewer than chunk_jets()).
  int64_t held_rows() const;
  int64_t held_jets() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evgen
