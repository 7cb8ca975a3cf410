// read_report.h: ReadReport, what a reader did with a file besides the table
// it returns: how many events the file held, how many became rows, which
// were skipped and why, how many particles the kept events had.
//
// A reader never drops input silently: every event it leaves out is counted
// under a reason here, and anything else a user should know (a stop at
// max_events, non-finite values kept) is a note. The server stores the
// report with the dataset (meta.json) and shows it to the user; the upload
// helper evgen-parse-table sends it back to evgend as JSON.
//
// Example:
//   ReadReport report;
//   EVGEN_ASSIGN_OR_RETURN(Table t, ReadTableFile(path, "lhe", {{"layout", "padded"}}, &report));
//   // report.events_per_multiplicity: {2: 5512, 3: 2856, 4: 1632}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json_fwd.hpp"

namespace evgen {

// Skip reasons, the keys of ReadReport::events_skipped.
inline constexpr char kSkipMissingParticle[] = "missing_selected_particle";
inline constexpr char kSkipOtherMultiplicity[] = "other_multiplicity";
inline constexpr char kSkipAboveMultiplicity[] = "above_multiplicity";
inline constexpr char kSkipNoParticles[] = "no_selected_particles";

struct ReadReport {
  // events_in_file: events (LHE/HepMC records) or data rows (other formats)
  // the reader went through; less than the file holds when max_events
  // stopped it early (a note says so).
  int64_t events_in_file = 0;
  // events_kept: events that became table data (one row each, or one row per
  // particle in the particles layout).
  int64_t events_kept = 0;
  // events_skipped: reason (kSkip...) -> events left out for it.
  std::map<std::string, int64_t> events_skipped;
  // events_per_multiplicity: selected particles in an event -> kept events
  // with that many (LHE and HepMC only).
  std::map<int64_t, int64_t> events_per_multiplicity;
  // rows, columns: the shape of the table returned.
  int64_t rows = 0;
  int64_t columns = 0;
  // non_finite_values: NaN/inf values kept (CSV with non_finite=keep).
  int64_t non_finite_values = 0;
  // write_options: options of WriteTableFile, in the same format, that
  // restore what the file said beyond the table (LHE: idwtup, beams, cross
  // section), so that an export can write what was read.
  std::map<std::string, std::string> write_options;
  // notes: sentences for the user, e.g. "stopped at max_events=100".
  std::vector<std::string> notes;

  // events_skipped_total sums events_skipped.
  int64_t events_skipped_total() const;

  nlohmann::json ToJson() const;
  // FromJson accepts what ToJson writes; a missing key keeps its default, a
  // value of the wrong type or a negative count is InvalidArgument naming
  // the key.
  [[nodiscard]] static absl::StatusOr<ReadReport> FromJson(const nlohmann::json& json);
};

}  // namespace evgen
