// possibly_gzipped_file.h: reading a text event file (LHE, HepMC) that may
// be gzipped, as generators write both: the gzip magic bytes decide, not the
// file name, so "events.lhe" that is really gzipped reads too.
//
// Example:
//   bool gzipped = false;
//   EVGEN_ASSIGN_OR_RETURN(std::string text, ReadPossiblyGzippedFile(path, &gzipped));
//   LineReader lines(text);
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace evgen {

// ReadPossiblyGzippedFile returns the file's bytes, inflated when the file
// starts with the gzip magic bytes 1f 8b; a truncated or corrupt gzip stream
// is an error naming the file. *gzipped, when given, says which it was.
[[nodiscard]] absl::StatusOr<std::string> ReadPossiblyGzippedFile(const std::string& path,
                                                                  bool* gzipped = nullptr);

}  // namespace evgen
