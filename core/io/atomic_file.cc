#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace evgen {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

// TempPathFor is unique across threads and processes so concurrent writers
// of one target never share a temp file.
std::string TempPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(path, ".tmp.", ::getpid(), ".", counter.fetch_add(1));
}

absl::Status PublishTempFile(const std::string& temp_path, const std::string& path) {
  const int fd = ::open(temp_path.c_str(), O_RDONLY);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  const std::string why = ErrnoText();
  if (fd >= 0) ::close(fd);
  if (!synced) {
    std::remove(temp_path.c_str());
    return absl::ResourceExhaustedError(absl::StrCat("flushing ", path, ": ", why));
  }
  if (std::rename(temp_path.c_str(), path.c_str()) != 0) {
    const std::string rename_why = ErrnoText();
    std::remove(temp_path.c_str());
    return absl::InternalError(absl::StrCat("renaming onto ", path, ": ", rename_why));
  }
  return absl::OkStatus();
}

AtomicFileWriter::~AtomicFileWriter() { Abandon(); }

absl::Status AtomicFileWriter::Open(const std::string& path) {
  Abandon();
  path_ = path;
  temp_path_ = TempPathFor(path);
  size_ = 0;
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (file_ == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", temp_path_, " for writing ", path, ": ", ErrnoText()));
  }
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Write(std::string_view bytes) {
  return Write(bytes.data(), bytes.size());
}

absl::Status AtomicFileWriter::Write(const void* data, size_t size) {
  if (file_ == nullptr) return absl::FailedPreconditionError("AtomicFileWriter: not open");
  if (size > 0 && std::fwrite(data, 1, size, file_) != size) {
    return absl::ResourceExhaustedError(absl::StrCat("writing ", path_, ": ", ErrnoText()));
  }
  size_ += static_cast<int64_t>(size);
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::WriteAt(int64_t offset, std::string_view bytes) {
  if (file_ == nullptr) return absl::FailedPreconditionError("AtomicFileWriter: not open");
  if (offset < 0 || offset + static_cast<int64_t>(bytes.size()) > size_) {
    return absl::OutOfRangeError(absl::StrCat("writing ", path_, ": bytes ", offset, "..",
                                              offset + static_cast<int64_t>(bytes.size()),
                                              " are not all written yet (", size_, " are)"));
  }
  // The stream's buffer goes out first, so that pwrite overwrites what is
  // really on disk; pwrite leaves the stream's position at the end.
  if (std::fflush(file_) != 0 ||
      ::pwrite(::fileno(file_), bytes.data(), bytes.size(), offset) !=
          static_cast<ssize_t>(bytes.size())) {
    return absl::ResourceExhaustedError(absl::StrCat("writing ", path_, ": ", ErrnoText()));
  }
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Commit() {
  if (file_ == nullptr) return absl::FailedPreconditionError("AtomicFileWriter: not open");
  bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok) {
    std::remove(temp_path_.c_str());
    return absl::ResourceExhaustedError(absl::StrCat("flushing ", path_, ": ", ErrnoText()));
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const std::string why = ErrnoText();
    std::remove(temp_path_.c_str());
    return absl::InternalError(absl::StrCat("renaming onto ", path_, ": ", why));
  }
  temp_path_.clear();
  return absl::OkStatus();
}

void AtomicFileWriter::Abandon() {
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (!temp_path_.empty()) {
    std::remove(temp_path_.c_str());
    temp_path_.clear();
  }
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  AtomicFileWriter out;
  absl::Status s = out.Open(path);
  if (s.ok()) s = out.Write(contents);
  if (s.ok()) s = out.Commit();
  return s;
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  // A directory opens as a stream whose size reads as 2^63 - 1, and
  // allocating that threw (e.g. a stray <id>.json directory in a store).
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read ", path, ": it is a directory"));
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", ErrnoText()));
  // Sized from the file in one allocation: growing a string stream and copying
  // it out held up to three times a large file (a stored dataset) at once.
  // Files whose size stat does not report (procfs) are not read this way.
  const std::streamoff size = in.tellg();
  std::string bytes(size > 0 ? static_cast<size_t>(size) : 0, '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad() || in.gcount() != static_cast<std::streamsize>(bytes.size())) {
    return absl::DataLossError(absl::StrCat("reading ", path, ": ", ErrnoText()));
  }
  return bytes;
}

}  // namespace evgen
