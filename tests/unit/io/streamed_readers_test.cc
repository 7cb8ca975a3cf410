// The LHE and HepMC readers stream files (line_reader.h): a file read gives
// exactly what parsing its text in memory gives, errors included, and the
// peak memory of a read grows with the table it makes, not with the file.
// The memory is measured in evgen-parse-table, a process of its own as
// evgend runs it, whose peak resident set (VmHWM, read as it exits) is compared
// for a file and one ten times longer.
#include <gtest/gtest.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <csignal>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/address_sanitizer.h"
#include "absl/strings/str_split.h"
#include "core/io/atomic_file.h"
#include "core/io/hepmc3.h"
#include "core/io/lhe.h"
#include "core/io/table_file.h"
#include "nlohmann/json.hpp"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

// Partons: six massive particles (p1..p6: E, px, py, pz) per row.
Table Partons(int rows) {
  std::vector<std::string> columns;
  for (int i = 1; i <= 6; ++i) {
    for (const char* s : {"_e_gev", "_px_gev", "_py_gev", "_pz_gev"}) {
      columns.push_back("p" + std::to_string(i) + s);
    }
  }
  Table t(columns);
  std::mt19937 rng(3);
  std::normal_distribution<float> p(0.f, 80.f);
  std::vector<float> row(columns.size());
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < 6; ++i) {
      const float x = p(rng), y = p(rng), z = 3 * p(rng), m = i % 3 == 2 ? 4.8f : 0.33f;
      row[4 * i] = std::sqrt(x * x + y * y + z * z + m * m);
      row[4 * i + 1] = x;
      row[4 * i + 2] = y;
      row[4 * i + 3] = z;
    }
    t.AppendRow(row.data());
  }
  return t;
}

// Gzip writes `path` + ".gz" at the fastest level (as a quick generator
// would; the reader does not care).
void Gzip(const std::string& path) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  gzFile out = gzopen((path + ".gz").c_str(), "wb1");
  ASSERT_TRUE(in != nullptr && out != nullptr);
  std::vector<char> block(1 << 20);
  size_t n = 0;
  while ((n = std::fread(block.data(), 1, block.size(), in)) > 0) {
    ASSERT_EQ(gzwrite(out, block.data(), static_cast<unsigned>(n)), static_cast<int>(n));
  }
  std::fclose(in);
  ASSERT_EQ(gzclose(out), Z_OK);
}

// HighWaterBytes is a process's peak resident set (VmHWM), -1 if unknown.
int64_t HighWaterBytes(pid_t pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/status").c_str(), "r");
  if (f == nullptr) return -1;
  char line[256];
  long long kb = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %lld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

// PeakRssBytes runs evgen-parse-table on the file and returns its peak
// resident set, or -1 when it failed. The child is traced so that it stops
// as it exits, with its memory still there to read: rusage's ru_maxrss
// would count this test process's own size, which fork copies, and that
// hides the helper's peak once earlier tests have grown it. EVGEN_PARSE_HELPER
// in the environment runs another build's helper (an older reader fails
// these tests).
int64_t PeakRssBytes(const std::string& input, const std::string& format,
                     const std::string& option, const std::string& output) {
  const char* env = std::getenv("EVGEN_PARSE_HELPER");
  const char* helper = env != nullptr && *env != '\0' ? env : EVGEN_PARSE_HELPER;
  const pid_t pid = fork();
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    execl(helper, helper, "--input", input.c_str(), "--format", format.c_str(), "--output",
          output.c_str(), "--option", option.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  // The first stop is the exec's.
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
    ADD_FAILURE() << "the helper did not stop at its exec (is ptrace permitted?)";
    return -1;
  }
  ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACEEXIT);
  ptrace(PTRACE_CONT, pid, nullptr, nullptr);
  int64_t peak = -1;
  while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
    const bool exiting = status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8));
    if (exiting) peak = HighWaterBytes(pid);
    // Other stops are signals for the helper, passed on.
    const long signal = exiting ? 0 : WSTOPSIG(status);
    ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(signal));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return peak;
}

struct Growth {
  int64_t file_bytes = 0;  // how much longer the large file is
  int64_t rss_bytes = 0;   // how much more the large read peaked at
};

// MeasureGrowth writes `rows` and 10 x `rows` events with `write`, and reads
// both with the helper.
template <typename Write>
Growth MeasureGrowth(const std::string& name, const std::string& format, int rows,
                     const std::string& option, bool gzip, Write write) {
  const std::string dir = testing::FreshDir(name);
  std::filesystem::create_directories(dir);
  Growth g;
  int64_t peak[2] = {0, 0}, size[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    std::string path = dir + "/events" + std::to_string(i) + "." + format;
    EXPECT_TRUE(write(path, Partons(i == 0 ? rows : 10 * rows)).ok());
    if (gzip) {
      Gzip(path);
      std::filesystem::remove(path);
      path += ".gz";
    }
    size[i] = static_cast<int64_t>(std::filesystem::file_size(path));
    peak[i] = PeakRssBytes(path, format, option, dir + "/table" + std::to_string(i) + ".npy");
    EXPECT_GT(peak[i], 0) << path;
  }
  std::filesystem::remove_all(dir);
  return Growth{size[1] - size[0], peak[1] - peak[0]};
}

// TableBytes is what the table of two particle slots (8 float32 values and a
// weight a row) adds for `rows` more events.
int64_t TableBytes(int64_t rows) { return rows * 9 * 4; }

// WriteEvents writes the table as LHE or HepMC through WriteTableFile (the
// writers' own headers moved); the particles are colourless (an electron,
// a positron, four photons, no incoming partons), so that no colour flow
// needs balancing.
absl::Status WriteEvents(const std::string& path, const Table& t, const std::string& format) {
  return WriteTableFile(path, t, format,
                        {{"pdg_ids", "11,-11,22,22,22,22"}, {"incoming_pdg_ids", "none"}});
}

absl::Status WriteLheFile(const std::string& path, const Table& t) {
  return WriteEvents(path, t, "lhe");
}

absl::Status WriteHepMCFile(const std::string& path, const Table& t) {
  return WriteEvents(path, t, "hepmc3");
}

using testing::kSanitized;

// A read holds the table (with room to grow: a vector doubles) and the
// reader's buffers; the file, 10 to 30 times the table here, is never held.
void ExpectGrowthIsTheTable(const Growth& g, int64_t more_rows) {
  const int64_t allowed = 3 * TableBytes(more_rows) + (int64_t{8} << 20);
  // The test means something only if holding the file would break the bound.
  EXPECT_GT(g.file_bytes, 2 * allowed);
  EXPECT_LT(g.rss_bytes, allowed) << "the file grew by " << g.file_bytes << " bytes";
  std::printf("text +%.1f MB, peak RSS +%.1f MB, table +%.1f MB\n", g.file_bytes / 1e6,
              g.rss_bytes / 1e6, TableBytes(more_rows) / 1e6);
}

TEST(ReaderMemoryTest, LhePeakMemoryGrowsWithTheTableNotTheFile) {
  if (kSanitized) GTEST_SKIP() << "peak memory under AddressSanitizer includes its quarantine";
  const int rows = 10000;
  const Growth g = MeasureGrowth("lhe-memory", "lhe", rows, "pdg_ids=11,-11", false, WriteLheFile);
  ExpectGrowthIsTheTable(g, 9 * rows);
}

TEST(ReaderMemoryTest, GzippedLhePeakMemoryGrowsWithTheTableNotTheFile) {
  if (kSanitized) GTEST_SKIP() << "peak memory under AddressSanitizer includes its quarantine";
  const int rows = 10000;
  const Growth g = MeasureGrowth("lhe-gz-memory", "lhe", rows, "pdg_ids=11,-11", true, WriteLheFile);
  // The compressed file is about a third of the text; what counts is the
  // text it inflates to (held whole before reading streamed).
  ExpectGrowthIsTheTable(Growth{3 * g.file_bytes, g.rss_bytes}, 9 * rows);
}

TEST(ReaderMemoryTest, HepMCPeakMemoryGrowsWithTheTableNotTheFile) {
  if (kSanitized) GTEST_SKIP() << "peak memory under AddressSanitizer includes its quarantine";
  const int rows = 3000;
  const Growth g =
      MeasureGrowth("hepmc-memory", "hepmc3", rows, "pdg_ids=11,-11", false, WriteHepMCFile);
  ExpectGrowthIsTheTable(g, 9 * rows);
}


// ---------------------------------------------------------------------------
// A file read streamed equals its text parsed in memory.

using ReadFile = std::function<absl::StatusOr<Table>(const std::string&, const ParticleSelection&,
                                                     ReadReport*)>;
using ParseText = std::function<absl::StatusOr<Table>(
    const std::string&, const std::string&, const ParticleSelection&, ReadReport*)>;

std::vector<ParticleSelection> Selections() {
  ParticleSelection all;
  ParticleSelection tops;
  tops.pdg_ids = {6, -6};
  tops.include_mass = true;
  tops.skip_incomplete = true;
  ParticleSelection first;
  first.layout = ParticleLayout::kParticles;
  first.max_events = 2;
  return {all, tops, first};
}

// Variants of a valid text: cut at every `step`-th byte, and without each
// of its lines in turn, so that every kind of error shows up.
std::vector<std::string> Variants(const std::string& text, size_t step) {
  std::vector<std::string> out = {text};
  for (size_t cut = 0; cut < text.size(); cut += step) out.push_back(text.substr(0, cut));
  const std::vector<std::string> lines = absl::StrSplit(text, '\n');
  for (size_t drop = 0; drop < lines.size(); ++drop) {
    std::string variant;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i != drop) variant += lines[i] + (i + 1 < lines.size() ? "\n" : "");
    }
    out.push_back(variant);
  }
  return out;
}

// WriteText writes a variant without WriteFileAtomically's fsync, hundreds
// of which made the test slow on a busy disk.
void WriteText(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_TRUE(f != nullptr);
  EXPECT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
  ASSERT_EQ(std::fclose(f), 0);
}

void ExpectSameRead(const absl::StatusOr<Table>& file, const ReadReport& file_report,
                    const absl::StatusOr<Table>& text, const ReadReport& text_report) {
  ASSERT_EQ(file.status(), text.status());
  if (!file.ok()) return;
  EXPECT_EQ(file->columns(), text->columns());
  EXPECT_EQ(file->values(), text->values());
  EXPECT_EQ(file->weights(), text->weights());
  EXPECT_EQ(file_report.ToJson().dump(), text_report.ToJson().dump());
}

// ExpectFilesReadAsTexts writes each variant of each seed to a file, plain
// and gzipped, and compares reading it with parsing its text.
void ExpectFilesReadAsTexts(const std::string& seeds, const std::string& extension,
                            const ReadFile& read, const ParseText& parse) {
  const std::string dir = testing::FreshDir("streamed-" + extension);
  std::filesystem::create_directories(dir);
  int reads = 0;
  for (const std::filesystem::directory_entry& seed : std::filesystem::directory_iterator(seeds)) {
    absl::StatusOr<std::string> text = ReadPossiblyGzippedFile(seed.path().string());
    ASSERT_TRUE(text.ok()) << text.status();
    for (const std::string& variant : Variants(*text, 7)) {
      const std::string path = dir + "/f." + extension;
      WriteText(path, variant);
      Gzip(path);
      for (const ParticleSelection& s : Selections()) {
        ReadReport text_report, file_report, gz_report;
        const absl::StatusOr<Table> from_text = parse(variant, path, s, &text_report);
        SCOPED_TRACE(seed.path().string() + " variant: " + from_text.status().ToString());
        ExpectSameRead(read(path, s, &file_report), file_report, from_text, text_report);
        // The gzipped copy reads the same, under its own name.
        const absl::StatusOr<Table> from_gz_text = parse(variant, path + ".gz", s, &text_report);
        ExpectSameRead(read(path + ".gz", s, &gz_report), gz_report, from_gz_text, text_report);
        ++reads;
      }
    }
  }
  EXPECT_GT(reads, 100);
  std::filesystem::remove_all(dir);
}

TEST(StreamedReadsTest, LheFilesReadAsTheirTextParsesErrorsIncluded) {
  ExpectFilesReadAsTexts(
      std::string(EVGEN_FUZZ_DIR) + "/corpus/lhe", "lhe",
      [](const std::string& path, const ParticleSelection& s, ReadReport* report) {
        LheFileInfo info;
        absl::StatusOr<Table> t = ReadLhe(path, s, &info);
        *report = info.report;
        return t;
      },
      [](const std::string& text, const std::string& source, const ParticleSelection& s,
         ReadReport* report) {
        LheFileInfo info;
        absl::StatusOr<Table> t = ParseLhe(text, source, s, &info);
        *report = info.report;
        return t;
      });
}

TEST(StreamedReadsTest, HepMCFilesReadAsTheirTextParsesErrorsIncluded) {
  const ReadFile read = [](const std::string& path, const ParticleSelection& s,
                           ReadReport* report) {
    HepMCFileInfo info;
    absl::StatusOr<Table> t = ReadHepMC(path, s, &info);
    *report = info.report;
    return t;
  };
  const ParseText parse = [](const std::string& text, const std::string& source,
                             const ParticleSelection& s, ReadReport* report) {
    HepMCFileInfo info;
    absl::StatusOr<Table> t = ParseHepMC(text, source, s, &info);
    *report = info.report;
    return t;
  };
  for (const char* seeds : {"/corpus/hepmc3", "/regressions/hepmc3"}) {
    ExpectFilesReadAsTexts(std::string(EVGEN_FUZZ_DIR) + seeds, "hepmc", read, parse);
  }
}

// A reader that stops early (max_events) still inflates the rest of a
// gzipped file, so that a truncated one is refused as when it was inflated
// whole, with the same byte count.
TEST(StreamedReadsTest, ATruncatedGzipStreamIsRefusedWhereverTheReaderStops) {
  const std::string dir = testing::FreshDir("cut-gzip");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/events.lhe";
  ASSERT_TRUE(WriteLheFile(path, Partons(20000)).ok());
  Gzip(path);
  absl::StatusOr<std::string> gz = ReadFileToString(path + ".gz");
  ASSERT_TRUE(gz.ok());
  const std::string cut = dir + "/cut.lhe.gz";
  ASSERT_TRUE(WriteFileAtomically(cut, gz->substr(0, gz->size() * 2 / 3)).ok());
  const absl::StatusOr<std::string> whole = ReadPossiblyGzippedFile(cut);
  ASSERT_FALSE(whole.ok());
  EXPECT_NE(whole.status().message().find(cut + ": truncated or corrupt gzip stream after "),
            std::string::npos)
      << whole.status();
  ParticleSelection first;
  first.pdg_ids = {11, -11};
  first.max_events = 5;
  EXPECT_EQ(ReadLhe(cut, first).status(), whole.status());
  // The HepMC reader stops at the first line, which is not HepMC.
  EXPECT_EQ(ReadHepMC(cut, first).status(), whole.status());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen
