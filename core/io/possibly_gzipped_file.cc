#include "core/io/possibly_gzipped_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace evgen {
namespace {

// The sizes files were inflated with before reading streamed: gzbuffer's
// input buffer and one gzread call (see block_ in the header).
constexpr unsigned kGzipInputBuffer = 1u << 18;
constexpr size_t kInflateBlock = size_t{1} << 20;

gzFile Gz(void* gz) { return static_cast<gzFile>(gz); }

// ZlibMessage is gzerror's text without the path zlib puts before it,
// which our messages name already.
std::string ZlibMessage(gzFile gz, const std::string& path, int* errnum) {
  std::string message = gzerror(gz, errnum);
  if (absl::StartsWith(message, path + ": ")) message = message.substr(path.size() + 2);
  return message;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PossiblyGzippedFile>> PossiblyGzippedFile::Open(
    const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  // fopen opens a directory, whose reads then fail.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::fclose(f);
    return absl::FailedPreconditionError(absl::StrCat("cannot read ", path, ": it is a directory"));
  }
  unsigned char magic[2] = {0, 0};
  const size_t got = std::fread(magic, 1, 2, f);
  if (got != 2 || magic[0] != 0x1f || magic[1] != 0x8b) {
    std::rewind(f);
    return std::unique_ptr<PossiblyGzippedFile>(new PossiblyGzippedFile(path, f, nullptr));
  }
  std::fclose(f);
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  gzbuffer(gz, kGzipInputBuffer);
  return std::unique_ptr<PossiblyGzippedFile>(new PossiblyGzippedFile(path, nullptr, gz));
}

PossiblyGzippedFile::PossiblyGzippedFile(std::string path, std::FILE* plain, void* gz)
    : path_(std::move(path)), plain_(plain), gz_(gz), gzipped_(gz != nullptr) {
  if (gz_ != nullptr) block_.reset(new char[kInflateBlock]);
}

PossiblyGzippedFile::~PossiblyGzippedFile() {
  if (plain_ != nullptr) std::fclose(plain_);
  if (gz_ != nullptr) gzclose(Gz(gz_));
}

absl::StatusOr<size_t> PossiblyGzippedFile::Read(char* buffer, size_t size) {
  if (!status_.ok()) return status_;
  if (plain_ != nullptr) {
    const size_t n = std::fread(buffer, 1, size, plain_);
    if (n == 0 && std::ferror(plain_)) {
      status_ = absl::DataLossError(absl::StrCat("reading ", path_, ": ", std::strerror(errno)));
      return status_;
    }
    return n;
  }
  if (block_begin_ == block_end_ && !ended_) {
    status_ = Inflate();
    if (!status_.ok()) return status_;
  }
  const size_t n = std::min(size, block_end_ - block_begin_);
  std::memcpy(buffer, block_.get() + block_begin_, n);
  block_begin_ += n;
  return n;
}

absl::Status PossiblyGzippedFile::CheckRest() {
  if (gz_ == nullptr || !status_.ok()) return status_;
  while (!ended_) {
    block_begin_ = block_end_;
    status_ = Inflate();
    if (!status_.ok()) return status_;
  }
  return absl::OkStatus();
}

// Inflate refills block_ with the next inflated bytes, or ends the stream.
absl::Status PossiblyGzippedFile::Inflate() {
  const int n = gzread(Gz(gz_), block_.get(), static_cast<unsigned>(kInflateBlock));
  if (n < 0) {
    int errnum = 0;
    return absl::InvalidArgumentError(absl::StrCat(path_, ": corrupt gzip stream after ", inflated_,
                                                   " bytes: ", ZlibMessage(Gz(gz_), path_, &errnum)));
  }
  block_begin_ = 0;
  block_end_ = static_cast<size_t>(n);
  inflated_ += static_cast<uint64_t>(n);
  if (n == 0) return EndOfStream();
  return absl::OkStatus();
}

// EndOfStream checks that the stream ended where its gzip trailer says:
// zlib reports a stream cut short as "unexpected end of file" on close or
// through gzerror, not as a read error.
absl::Status PossiblyGzippedFile::EndOfStream() {
  ended_ = true;
  int errnum = 0;
  std::string message = ZlibMessage(Gz(gz_), path_, &errnum);
  const int close_status = gzclose(Gz(gz_));
  gz_ = nullptr;
  if ((errnum != Z_OK && errnum != Z_STREAM_END) || close_status == Z_BUF_ERROR) {
    if (message.empty() || errnum == Z_OK) message = "unexpected end of file";
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ": truncated or corrupt gzip stream after ", inflated_, " bytes: ", message));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPossiblyGzippedFile(const std::string& path, bool* gzipped) {
  absl::StatusOr<std::unique_ptr<PossiblyGzippedFile>> file = PossiblyGzippedFile::Open(path);
  if (!file.ok()) return file.status();
  if (gzipped != nullptr) *gzipped = (*file)->gzipped();
  std::string out;
  std::vector<char> buffer(kInflateBlock);
  while (true) {
    absl::StatusOr<size_t> n = (*file)->Read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buffer.data(), *n);
  }
}

}  // namespace evgen
