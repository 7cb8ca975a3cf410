#include "core/io/possibly_gzipped_file.h"

#include <zlib.h>

#include <cstdio>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"

namespace evgen {

absl::StatusOr<std::string> ReadPossiblyGzippedFile(const std::string& path, bool* gzipped) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  unsigned char magic[2] = {0, 0};
  size_t got = std::fread(magic, 1, 2, f);
  std::fclose(f);
  const bool is_gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (gzipped != nullptr) *gzipped = is_gzip;
  if (!is_gzip) return ReadFileToString(path);

  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  gzbuffer(gz, 1 << 18);
  std::string out;
  std::vector<char> buffer(1 << 20);
  while (true) {
    int n = gzread(gz, buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n < 0) {
      int errnum = 0;
      std::string message = gzerror(gz, &errnum);
      gzclose(gz);
      if (absl::StartsWith(message, path + ": ")) message = message.substr(path.size() + 2);
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": corrupt gzip stream after ", out.size(), " bytes: ", message));
    }
    if (n == 0) break;
    out.append(buffer.data(), static_cast<size_t>(n));
  }
  // zlib reports a stream cut short as "unexpected end of file" on close or
  // through gzerror, not as a read error.
  int errnum = 0;
  std::string message = gzerror(gz, &errnum);
  int close_status = gzclose(gz);
  if ((errnum != Z_OK && errnum != Z_STREAM_END) || close_status == Z_BUF_ERROR) {
    if (message.empty() || errnum == Z_OK) message = "unexpected end of file";
    // zlib prefixes its message with the path, which ours names already.
    if (absl::StartsWith(message, path + ": ")) message = message.substr(path.size() + 2);
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": truncated or corrupt gzip stream after ", out.size(), " bytes: ", message));
  }
  return out;
}

}  // namespace evgen
