// reader_fuzzer.cc: the libFuzzer harness for one table-file reader, chosen
// when it is built (EVGEN_FUZZ_FORMAT, e.g. "npy"; fuzz/CMakeLists.txt builds
// one harness per format). The input is a whole file, read as an upload is:
// ReadTableFile(path, format, options). Built with EVGEN_FUZZ_PARSE_HELPER,
// it reads through ReadTableFileIsolated instead, as evgend reads HDF5
// uploads (a crash of the helper is an error for the input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "core/io/isolated_reader.h"
#include "core/io/table_file.h"
#include "fuzz/check_result.h"
#include "fuzz/input_file.h"

#ifndef EVGEN_FUZZ_FORMAT
#error "define EVGEN_FUZZ_FORMAT, e.g. -DEVGEN_FUZZ_FORMAT=\"npy\" (see fuzz/CMakeLists.txt)"
#endif

namespace {

using Options = std::map<std::string, std::string>;

// OptionSets lists the options every input is read with. The event formats
// (lhe, hepmc3) are read twice, because their particle selection builds rows
// on two paths: all final-state particles, and slots picked by PDG id (here
// top and antitop, with the mass and id columns, incomplete events skipped).
std::vector<Options> OptionSets(const std::string& format) {
  if (format == "lhe" || format == "hepmc3") {
    return {{},
            {{"pdg_ids", "6,-6"},
             {"include_mass", "true"},
             {"include_pdg_id", "true"},
             {"skip_incomplete", "true"}}};
  }
  return {{}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string format = EVGEN_FUZZ_FORMAT;
  static const std::vector<Options> option_sets = OptionSets(format);
  const std::string& path = evgen::fuzz::WriteInput(data, size, ("." + format).c_str());
  for (const Options& options : option_sets) {
#ifdef EVGEN_FUZZ_PARSE_HELPER
    evgen::IsolatedParseOptions isolation;
    // fuzz.sh points EVGEN_PARSE_HELPER at the release build's helper, as
    // evgend runs it: four times quicker to start than the sanitized one,
    // and whatever it does wrong stays in its own process anyway.
    static const char* const helper = std::getenv("EVGEN_PARSE_HELPER");
    isolation.helper = helper != nullptr && *helper != '\0' ? helper : EVGEN_FUZZ_PARSE_HELPER;
    isolation.scratch_dir = "/dev/shm";
    isolation.time_limit = std::chrono::seconds(5);  // below libFuzzer's -timeout
    isolation.memory_limit_bytes = 0;                 // ASan's shadow memory needs no RLIMIT_AS
    evgen::fuzz::CheckResult(evgen::ReadTableFileIsolated(path, format, options, isolation), path);
#else
    evgen::fuzz::CheckResult(evgen::ReadTableFile(path, format, options), path);
#endif
  }
  return 0;
}
