// byte_source.h: ByteSource, the bytes of a text read block by block, so
// that a reader of a large event file (LHE, HepMC) holds one block at a time
// instead of the whole file. LineReader (line_reader.h) splits a source into
// lines; PossiblyGzippedFile (possibly_gzipped_file.h) is the source of a
// plain or gzipped file, StringSource that of text already in memory (tests,
// fuzzing, ParseLhe).
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<PossiblyGzippedFile> file,
//                          PossiblyGzippedFile::Open(path));
//   LineReader lines(file.get(), path);
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace evgen {

// ByteSource hands out a text's bytes in order. Not thread-safe.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Read copies up to `size` (> 0) next bytes into `buffer` and returns how
  // many; 0 means the text has ended. An error (a corrupt gzip stream) ends
  // the text too; its message names the source.
  [[nodiscard]] virtual absl::StatusOr<size_t> Read(char* buffer, size_t size) = 0;
  // CheckRest returns the error reading the rest of the text would give, so
  // that a reader that stops early (max_events, an error of its own) still
  // reports a corrupt file as reading all of it would. Sources whose unread
  // bytes cannot hold an error (plain files, strings) answer at once.
  [[nodiscard]] virtual absl::Status CheckRest() { return absl::OkStatus(); }
};

// StringSource reads `text`, which must outlive it.
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string_view text) : text_(text) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    const size_t n = std::min(size, text_.size());
    if (n > 0) std::memcpy(buffer, text_.data(), n);
    text_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view text_;
};

}  // namespace evgen
