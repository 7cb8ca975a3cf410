// possibly_gzipped_file.h: reading a text event file (LHE, HepMC) that may
// be gzipped, as generators write both: the gzip magic bytes decide, not the
// file name, so "events.lhe" that is really gzipped reads too.
//
// PossiblyGzippedFile streams the (inflated) bytes block by block, so that a
// reader holds one block, not the file (a 1 GB upload is read in 1 MiB
// steps); ReadPossiblyGzippedFile reads them all into a string.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<PossiblyGzippedFile> file,
//                          PossiblyGzippedFile::Open(path));
//   LineReader lines(file.get(), path);
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/byte_source.h"

namespace evgen {

// PossiblyGzippedFile is a ByteSource over a file, inflated when it starts
// with the gzip magic bytes 1f 8b. A truncated or corrupt gzip stream is an
// error naming the file and how many bytes it inflated before it
// ("f.lhe.gz: truncated or corrupt gzip stream after 1048576 bytes:
// unexpected end of file"), from Read or CheckRest.
class PossiblyGzippedFile final : public ByteSource {
 public:
  // Open: a missing file is NotFound, a directory FailedPrecondition.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PossiblyGzippedFile>> Open(
      const std::string& path);
  ~PossiblyGzippedFile() override;
  PossiblyGzippedFile(const PossiblyGzippedFile&) = delete;
  PossiblyGzippedFile& operator=(const PossiblyGzippedFile&) = delete;

  bool gzipped() const { return gzipped_; }
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override;
  absl::Status CheckRest() override;

 private:
  PossiblyGzippedFile(std::string path, std::FILE* plain, void* gz);
  [[nodiscard]] absl::Status Inflate();
  [[nodiscard]] absl::Status EndOfStream();

  std::string path_;
  std::FILE* plain_ = nullptr;
  void* gz_ = nullptr;  // a zlib gzFile (void*: zlib.h stays out of this header), until the end
  bool gzipped_ = false;
  // The gzip stream is inflated in blocks of one fixed size, whatever the
  // caller asks for: zlib drops the bytes of a read that hits a corrupt
  // block, so the count in the error ("after N bytes") depends on the block
  // size, and stays what it was when files were inflated whole.
  std::unique_ptr<char[]> block_;  // kInflateBlock bytes, uninitialised
  size_t block_begin_ = 0, block_end_ = 0;
  uint64_t inflated_ = 0;
  bool ended_ = false;
  absl::Status status_;
};

// ReadPossiblyGzippedFile returns the file's bytes, inflated when gzipped
// (errors as PossiblyGzippedFile's). *gzipped, when given, says which it was.
[[nodiscard]] absl::StatusOr<std::string> ReadPossiblyGzippedFile(const std::string& path,
                                                                  bool* gzipped = nullptr);

}  // namespace evgen
