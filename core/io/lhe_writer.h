// lhe_writer.h: writing parton-level events as a Les Houches Event file (LHE
// v3, hep-ph/0609017), streamed: LheWriter takes the table in row blocks and
// holds one block at a time, so its memory does not grow with the events.
//
// Each event has two incoming partons (status -1, massless along +-z,
// carrying the final state's E and pz; the spec's incoming_pdg_ids, default
// g g), then, for the ttbar-allhad layout p1..p6, the intermediate t, tbar,
// W+ and W- (status 2, momenta the sums of their decay products, masses
// from those), then the final-state particles in column order (status 1)
// with PUP5 = sqrt(E^2 - p^2). Colour lines follow colour_flow.h, so a
// shower program accepts the events.
//
// The <init> block's IDWTUP, XSECUP (the mean weight, unless the spec gives
// cross_section_pb) and XMAXUP depend on every event's weight. They are
// written as fixed-width placeholders when the file is opened and filled in
// place at Commit(), before the file is published (AtomicFileWriter
// semantics: an abandoned or failed write leaves no file). A spec's idwtup
// that does not describe the weights is therefore reported at Commit().
// docs/formats.md documents the layout, options and errors.
//
// Example:
//   LheWriter out;
//   EVGEN_RETURN_IF_ERROR(out.Open("tt.lhe", columns, spec, total_rows));
//   for (const Table& block : blocks) EVGEN_RETURN_IF_ERROR(out.Append(block));
//   EVGEN_RETURN_IF_ERROR(out.Commit());
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/io/event_write_spec.h"
#include "core/io/table.h"

namespace evgen {

class LheWriter {
 public:
  LheWriter();
  ~LheWriter();
  LheWriter(const LheWriter&) = delete;
  LheWriter& operator=(const LheWriter&) = delete;

  // Open checks that `columns` hold the spec's particles and that their
  // colour can be conserved, and writes the header; `events` is the number
  // of events the header announces.
  [[nodiscard]] absl::Status Open(const std::string& path, const std::vector<std::string>& columns,
                                  const EventWriteSpec& spec, int64_t events);
  // Append writes one <event> per row of `events` (columns as at Open).
  [[nodiscard]] absl::Status Append(const Table& events);
  // Commit fills in the <init> block and publishes the file; a file with no
  // event is refused.
  [[nodiscard]] absl::Status Commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// WriteLhe writes one <event> per row, atomically, through LheWriter. A
// weighted table's weights are the XWGTUP, printed with the fewest digits
// that read back to the same float32 (so a weight read with up to 6
// significant digits is printed with the same digits); a table without
// weights writes XWGTUP = 1. IDWTUP is spec.idwtup, or chosen from the weights.
[[nodiscard]] absl::Status WriteLhe(const std::string& path, const Table& events,
                                    const EventWriteSpec& spec);

}  // namespace evgen
