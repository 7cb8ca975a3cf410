// hepmc3_writer.h: writing parton-level events as HepMC3 ASCII (Asciiv3),
// streamed: HepMC3Writer takes the table in row blocks through
// HepMC3::WriterAscii into an AtomicFileWriter, so memory does not grow with
// the events and an abandoned or failed write leaves no file.
//
// Per row an event (GeV, mm): the two beams of the spec (status 4, along
// +-z, massless) enter one vertex whose outgoing particles are the table's
// particles (status 1, generated mass sqrt(E^2 - p^2)). Beam remnants are
// not written, so momentum is not balanced at that vertex: the record is a
// parton-level final state, not a full history. Each event carries its
// weight (weight name "default") and a GenCrossSection: the spec's
// cross_section_pb, or else the running mean of the weights so far and its
// standard error, as Pythia writes its running estimate (the last event's
// is the whole sample's). Values have 16 significant digits, so the file
// reads back bit-exactly. docs/formats.md has the details.
//
// Example:
//   EVGEN_RETURN_IF_ERROR(WriteHepMC3("events.hepmc", table, spec));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/io/event_write_spec.h"
#include "core/io/table.h"

namespace evgen {

class HepMC3Writer {
 public:
  HepMC3Writer();
  ~HepMC3Writer();
  HepMC3Writer(const HepMC3Writer&) = delete;
  HepMC3Writer& operator=(const HepMC3Writer&) = delete;

  // Open checks that `columns` hold the spec's particles and starts the file.
  [[nodiscard]] absl::Status Open(const std::string& path, const std::vector<std::string>& columns,
                                  const EventWriteSpec& spec);
  // Append writes one event per row of `events` (columns as at Open).
  [[nodiscard]] absl::Status Append(const Table& events);
  // Commit ends the listing and publishes the file; a file with no event is
  // refused.
  [[nodiscard]] absl::Status Commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// WriteHepMC3 writes one HepMC3 ASCII event per row through HepMC3Writer.
// Options for the spec come from ParseEventWriteSpec (event_write_spec.h);
// incoming_pdg_ids is not used (the beams are written instead).
[[nodiscard]] absl::Status WriteHepMC3(const std::string& path, const Table& events,
                                       const EventWriteSpec& spec);

}  // namespace evgen
