// evgend_process.h: EvgendProcess runs the real evgend binary on a free
// loopback port with its own data directory, for integration tests.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace evgen::testing {

// MakeTempDir creates a fresh directory under $TMPDIR (or /tmp).
std::string MakeTempDir(const std::string& prefix);

class EvgendProcess {
 public:
  // Start launches evgend with --listen 127.0.0.1:0 and waits until it serves.
  // With `log_file`, evgend's stdout and stderr go to that file.
  static absl::StatusOr<std::unique_ptr<EvgendProcess>> Start(const std::string& data_dir,
                                                              std::vector<std::string> extra_args = {},
                                                              const std::string& log_file = "");
  // StartBinary starts another build of evgend (e.g. one with a test-only
  // model family linked in) the same way.
  static absl::StatusOr<std::unique_ptr<EvgendProcess>> StartBinary(const std::string& binary,
                                                                    const std::string& data_dir,
                                                                    std::vector<std::string> extra_args = {},
                                                                    const std::string& log_file = "");
  ~EvgendProcess();

  int port() const { return port_; }
  // metrics_port is the port of its GET /metrics listener.
  int metrics_port() const { return metrics_port_; }
  // pid is the server's process id (for /proc readings), -1 once stopped.
  pid_t pid() const { return pid_; }
  std::string address() const;
  bool running();
  // Stop sends `signal` and waits; returns the exit status (or -signal).
  int Stop(int signal);

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int metrics_port_ = 0;
};

// RunCliCapture runs the evgen CLI in-process against `server`.
struct CliResult {
  int code = 0;
  std::string out;
  std::string err;
};
CliResult RunCliCapture(const std::string& server, std::vector<std::string> args);

// CliPeakRssMiB runs the evgen executable against `server` with `args` in a
// process of its own and returns that process' peak resident memory in MiB,
// or -1 when it did not exit with 0 (memory tests need a real process: the
// test binary's own pages would hide the CLI's).
long CliPeakRssMiB(const std::string& server, const std::vector<std::string>& args);

// ProcessStatusBytes reads a "VmRSS:"-style line of /proc/PID/status, in
// bytes; -1 when the process or the line is missing.
int64_t ProcessStatusBytes(pid_t pid, const std::string& key);

}  // namespace evgen::testing
