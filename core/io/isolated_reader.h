// isolated_reader.h: ReadTableFileIsolated, parsing an untrusted upload in a
// child process so that a crash in a third-party parser fails the upload,
// not the server.
//
// evgen's own readers are fuzzed and refuse bad input with a status, but
// HDF5 files (formats "hdf5" and "jetnet") are decoded by libhdf5, which
// fuzzing showed to read out of bounds, follow NULL pointers and allocate
// gigabytes on crafted files in code no caller can guard (fuzz/unfixed), and
// HepMC files by libHepMC3, whose crashes the pre-scan in hepmc3.cc keeps
// finding one by one. Those uploads are parsed by `evgen-parse-table`, a small helper next to
// evgend: it reads the file with the same reader, under a memory limit, and
// hands the table back as .npy files that evgen's own reader takes in. A
// crash, a memory blow-up or a hang of the helper (killed at a time limit or
// when the call is abandoned) becomes an error for that upload. The helper's
// read report (skipped events, multiplicities) comes back as JSON.
//
// Threading: thread-safe; each call spawns its own helper.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "core/io/read_report.h"
#include "core/io/table.h"

namespace evgen {

struct IsolatedParseOptions {
  std::string helper;       // path of evgen-parse-table
  std::string scratch_dir;  // where the helper's output is written (same filesystem as `path`)
  std::chrono::seconds time_limit{600};
  int64_t memory_limit_bytes = int64_t{4} << 30;  // 0: none (sanitizer builds)
  // stop returns non-OK once the caller gave up (the server passes its
  // CheckStop); the helper is then killed and that status returned.
  std::function<absl::Status()> stop = [] { return absl::OkStatus(); };
};

// NeedsIsolation says whether uploads in `format` are parsed in a helper.
bool NeedsIsolation(const std::string& format);

// ReadTableFileIsolated reads `path` as ReadTableFile(path, format, options)
// would, in a child process. A crash of the child is InvalidArgument naming
// the file and the signal; running out of its memory is ResourceExhausted;
// the time limit is DeadlineExceeded; isolation.stop ends it early.
[[nodiscard]] absl::StatusOr<Table> ReadTableFileIsolated(const std::string& path, const std::string& format,
                                                          const std::map<std::string, std::string>& options,
                                                          const IsolatedParseOptions& isolation);
// ReadTableFileIsolated with the helper's read report (as ReadTableFile's
// overload fills it); `report` may be null and is reset on failure.
[[nodiscard]] absl::StatusOr<Table> ReadTableFileIsolated(const std::string& path, const std::string& format,
                                                          const std::map<std::string, std::string>& options,
                                                          const IsolatedParseOptions& isolation,
                                                          ReadReport* report);

// DefaultParseHelper is evgen-parse-table beside the running executable.
std::string DefaultParseHelper();

}  // namespace evgen
