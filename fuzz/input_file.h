// input_file.h: hands a fuzz input to evgen's readers, which take paths.
//
// Each harness process writes every input over one file of its own, named by
// the process id so that harnesses running side by side never share it, under
// /dev/shm (RAM: millions of inputs do not wear a disk) or $TMPDIR where
// /dev/shm is missing. The file is removed when the process exits normally; a
// crash leaves it behind, next to libFuzzer's own copy of the input.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace evgen::fuzz {

// InputPath is this process's input file; `extension` (e.g. ".npy") keeps
// error messages readable and must be the same on every call.
inline const std::string& InputPath(const char* extension) {
  static const std::string path = [extension] {
    const char* tmp = std::getenv("TMPDIR");
    const std::string dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                            : tmp != nullptr              ? tmp
                                                          : "/tmp";
    return dir + "/evgen-fuzz-" + std::to_string(getpid()) + extension;
  }();
  static const bool cleanup = std::atexit([] { std::remove(path.c_str()); }) == 0;
  (void)cleanup;
  return path;
}

// WriteInput replaces the input file's contents with the bytes and returns
// its path. A file that cannot be written is a broken setup, not a finding,
// but it must not pass silently, so the harness stops.
inline const std::string& WriteInput(const uint8_t* data, size_t size, const char* extension) {
  const std::string& path = InputPath(extension);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  const bool written = f != nullptr && std::fwrite(data, 1, size, f) == size;
  if (f == nullptr || std::fclose(f) != 0 || !written) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::_Exit(2);
  }
  return path;
}

}  // namespace evgen::fuzz
