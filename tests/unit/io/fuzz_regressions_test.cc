// Replays the fuzzers' inputs through the readers in the normal build: every
// finding under fuzz/regressions/<format>/ must be refused as listed here
// (code, a message naming the file and saying why), and every seed under
// fuzz/corpus/<format>/ must still read as a table, so that the fuzzers keep
// starting from valid files. The chunk decoder's findings are replayed by
// tests/unit/wire/table_codec_test.cc.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "core/io/table_file.h"

namespace evgen {
namespace {

namespace fs = std::filesystem;

// The reader harnesses are named after the format they read.
const std::set<std::string>& ReaderHarnesses() {
  static const std::set<std::string> names = {"csv", "hdf5", "hepmc3", "jetnet", "lhe", "npy"};
  return names;
}

struct Finding {
  std::string format;  // the harness, fuzz/regressions/<format>/
  std::string file;
  absl::StatusCode code;
  std::string why;  // a fragment of the message besides the path
};

// Findings lists each checked-in finding with the answer it now gets.
const std::vector<Finding>& Findings() {
  static const std::vector<Finding> findings = {
      // A header naming eta and phi twice, the second phi a text column:
      // categories are set by name, and the first phi held numbers (the
      // error did not name the file). Duplicate names are refused.
      {"csv", "duplicate_column_names_with_text.csv", absl::StatusCode::kInvalidArgument,
       ":1: column 'eta' appears twice in the header"},
      // 132 bytes claiming shape (1, 2^62 + 1): rows x columns x 4 wrapped to
      // the 4 data bytes present, and the reader asked for 2^62 floats.
      {"npy", "shape_wraps_byte_count.npy", absl::StatusCode::kInvalidArgument,
       "1 x 4611686018427387905 x 4 does not fit in a 64-bit size"},
      // A deflated 4 x 2 dataset whose dimensions were patched to 2^17 x 2^17:
      // 2^34 values, which the old cap let through to a 64 GiB allocation.
      {"hdf5", "dims_exceed_file.h5", absl::StatusCode::kInvalidArgument,
       "claims shape [131072, 131072] (17179869184 values), more than the 4119-byte file can "
       "hold even compressed"},
      // libHepMC3 unescapes a T line's text by reading the character after
      // each backslash: past the end of "T evgen\|1\" (SEGV), whether the
      // line ends there or a NUL byte cuts its C string there.
      {"hepmc3", "tool_line_ends_in_backslash.hepmc", absl::StatusCode::kInvalidArgument,
       ":4: T line ends inside an escape"},
      {"hepmc3", "tool_line_cut_by_nul_after_backslash.hepmc", absl::StatusCode::kInvalidArgument,
       ":4: NUL byte: a HepMC listing is text"},
      // libHepMC3 copies an A line's attribute name into a 64-byte stack
      // buffer (stack smashing).
      {"hepmc3", "attribute_name_overflows_64_bytes.hepmc", absl::StatusCode::kInvalidArgument,
       ":8: A line: attribute name longer than 63 characters"},
      // libHepMC3 reads on past the END_EVENT_LISTING line, which the
      // pre-scan did not: there an A line ending in a backslash sent
      // unescape() past the end of the line again (SEGV).
      {"hepmc3", "run_attribute_after_footer_ends_in_backslash.hepmc",
       absl::StatusCode::kInvalidArgument,
       ":35: content after the 'HepMC::Asciiv3-END_EVENT_LISTING' line"},
      // An IO_GenEvent vertex no particle enters and no beam leaves:
      // libHepMC3 drops it, then adds its weights to it (SEGV).
      {"hepmc3", "vertex_without_incoming_particles.hepmc2", absl::StatusCode::kInvalidArgument,
       ":5: event 1: vertex -2 has no incoming particles"},
      // A vertex no particle ends at, with its status-4 beam listed as
      // outgoing and vertex weights: libHepMC3 3.1.2 built an empty event and
      // added the weights to the vertex outside it (SEGV).
      {"hepmc3", "vertex_attribute_on_missing_vertex.hepmc2", absl::StatusCode::kInvalidArgument,
       ":5: event 1: vertex -5 has no incoming particles: its status-4 beams"},
      // The header's W line (weight names) ending in a lone backslash:
      // libHepMC3's unescape() read past the end of the line (SEGV).
      {"hepmc3", "weight_names_end_in_backslash.hepmc", absl::StatusCode::kInvalidArgument,
       ":42: W line ends inside an escape"},
      // A V line behind form feeds: checked as a vertex, skipped by
      // libHepMC3 as an unknown record, whose particles then pointed at a
      // vertex it never built (SEGV in GenVertex::add_particle_out).
      {"hepmc3", "record_after_form_feeds.hepmc", absl::StatusCode::kInvalidArgument,
       ":6: a record starts with whitespace"},
      // Two bytes set the size of a global heap's free-space object to 0:
      // libhdf5 walked the heap forever reading the column names.
      {"hdf5", "global_heap_free_space_of_size_0.h5", absl::StatusCode::kInvalidArgument,
       "HDF5 global heap at byte 2072: object 0 at byte 2136 claims 0 bytes"},
      // A column name mutated to "": the table kept an unnamed column, and
      // evgend's parser process wrote its names beside the .npy one a
      // line, where the empty one vanished; the names no longer matched
      // the columns and the error named the parser's scratch file, not the
      // upload. Names must be non-empty, without control characters, once.
      {"hdf5", "empty_column_name.h5", absl::StatusCode::kInvalidArgument,
       ": attribute 'columns'[0]: empty column name"},
      // Metadata that makes libhdf5 ask for 0xc900000000000058 bytes (ASan
      // aborts); malloc refuses, libhdf5 finds no root group, nor does the reader.
      {"jetnet", "object_header_claims_2e63_bytes.hdf5", absl::StatusCode::kInvalidArgument,
       "no dataset 'particle_features'; the file has nothing at its root"},
      // particle_features turned compact with 0 stored bytes: libhdf5 copied
      // its 96 bytes from a NULL buffer (SEGV).
      {"jetnet", "compact_dataset_without_storage.hdf5", absl::StatusCode::kInvalidArgument,
       "dataset 'particle_features' stores 0 bytes for 24 values of 4 bytes"},
  };
  return findings;
}

std::string FuzzDir() { return EVGEN_FUZZ_DIR; }

std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  return files;
}

TEST(FuzzRegressionsTest, EachFindingIsRefusedWithTheListedCode) {
  for (const Finding& f : Findings()) {
    const std::string path = FuzzDir() + "/regressions/" + f.format + "/" + f.file;
    SCOPED_TRACE(path);
    ASSERT_TRUE(fs::exists(path));
    absl::StatusOr<Table> table = ReadTableFile(path, f.format, {});
    ASSERT_FALSE(table.ok()) << "read " << table->num_rows() << " rows";
    EXPECT_EQ(table.status().code(), f.code) << table.status();
    EXPECT_TRUE(absl::StrContains(table.status().message(), path)) << table.status();
    EXPECT_TRUE(absl::StrContains(table.status().message(), f.why)) << table.status();
  }
}

TEST(FuzzRegressionsTest, EveryCheckedInFindingIsListed) {
  std::set<std::string> listed;
  for (const Finding& f : Findings()) listed.insert(f.format + "/" + f.file);
  for (const std::string& format : ReaderHarnesses()) {
    for (const fs::path& file : FilesUnder(FuzzDir() + "/regressions/" + format)) {
      EXPECT_TRUE(listed.count(format + "/" + file.filename().string()))
          << file << " is not in Findings(); say what the reader must answer";
    }
  }
}

TEST(FuzzCorpusTest, EverySeedReadsAsATable) {
  for (const std::string& format : ReaderHarnesses()) {
    const std::vector<fs::path> seeds = FilesUnder(FuzzDir() + "/corpus/" + format);
    EXPECT_FALSE(seeds.empty()) << "fuzz/corpus/" << format << " has no seeds";
    for (const fs::path& seed : seeds) {
      absl::StatusOr<Table> table = ReadTableFile(seed.string(), format, {});
      ASSERT_TRUE(table.ok()) << table.status();
      EXPECT_GT(table->num_rows(), 0) << seed;
    }
  }
}

}  // namespace
}  // namespace evgen
