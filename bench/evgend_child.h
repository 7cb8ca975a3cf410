// evgend_child.h: the benchmarks that measure evgend from outside start it as
// a child process (the evgend built beside them), so that its memory is its
// own: StartEvgend, ReadPort, and its resident memory from /proc.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace evgen::bench {

// StartEvgend runs `evgend --listen 127.0.0.1:0 --data-dir DIR/data
// --port-file DIR/port` with no /metrics listener, plus `extra` flags.
inline pid_t StartEvgend(const std::string& dir, const std::vector<std::string>& extra = {}) {
  const std::string evgend = (std::filesystem::path(EVGEN_BENCH_DIR) / "../server/evgend").string();
  std::vector<std::string> args = {"evgend",      "--listen",  "127.0.0.1:0",        "--metrics-listen", "",
                                   "--data-dir",  dir + "/data", "--port-file", dir + "/port"};
  args.insert(args.end(), extra.begin(), extra.end());
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(evgend.c_str(), argv.data());
    std::_Exit(127);
  }
  return pid;
}

// ReadPort waits up to 30 s for the port file; 0 if it never appears.
inline int ReadPort(const std::string& dir) {
  for (int i = 0; i < 600; ++i) {
    std::ifstream in(dir + "/port");
    int port = 0;
    if (in >> port && port > 0) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// RssMiB is the process' resident memory now.
inline double RssMiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1 << 20);
}

// PeakRssMiB is the process' peak resident memory so far (VmHWM).
inline double PeakRssMiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024;  // kB
  }
  return 0;
}

}  // namespace evgen::bench
