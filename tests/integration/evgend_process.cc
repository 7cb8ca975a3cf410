#include "tests/integration/evgend_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/cli/cli.h"
#include "client/evgen_client.h"

namespace evgen::testing {

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/", prefix, "-XXXXXX");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) return "";
  return buffer.data();
}

absl::StatusOr<std::unique_ptr<EvgendProcess>> EvgendProcess::Start(const std::string& data_dir,
                                                                    std::vector<std::string> extra_args,
                                                                    const std::string& log_file) {
  return StartBinary(EVGEN_EVGEND_PATH, data_dir, std::move(extra_args), log_file);
}

absl::StatusOr<std::unique_ptr<EvgendProcess>> EvgendProcess::StartBinary(const std::string& binary,
                                                                          const std::string& data_dir,
                                                                          std::vector<std::string> extra_args,
                                                                          const std::string& log_file) {
  const std::string port_file = data_dir + "/evgend.port";
  ::unlink(port_file.c_str());
  const std::string metrics_port_file = data_dir + "/metrics.port";
  ::unlink(metrics_port_file.c_str());
  // Port 0 for /metrics too: tests run many servers at once.
  std::vector<std::string> args = {binary,      "--listen",       "127.0.0.1:0",    "--data-dir",
                                   data_dir,    "--port-file",    port_file,        "--metrics-listen",
                                   "127.0.0.1:0", "--metrics-port-file", metrics_port_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto process = std::unique_ptr<EvgendProcess>(new EvgendProcess());
  process->pid_ = ::fork();
  if (process->pid_ < 0) return absl::InternalError("fork failed");
  if (process->pid_ == 0) {
    if (!log_file.empty()) {  // only async-signal-safe calls between fork and exec
      const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (in >> process->port_ && process->port_ > 0) break;
    if (!process->running()) return absl::InternalError("evgend exited during start-up");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (process->port_ == 0) return absl::DeadlineExceededError("evgend did not write its port file");
  std::ifstream metrics_in(metrics_port_file);
  metrics_in >> process->metrics_port_;
  // A TLS port cannot be probed by a plaintext channel; it listens once the
  // port file exists.
  if (std::find(extra_args.begin(), extra_args.end(), "--tls-cert") != extra_args.end()) return process;
  EvgenClient client(process->address());
  absl::Status ready = client.WaitForReady(std::chrono::seconds(30));
  if (!ready.ok()) return ready;
  return process;
}

EvgendProcess::~EvgendProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

std::string EvgendProcess::address() const { return absl::StrCat("127.0.0.1:", port_); }

bool EvgendProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int EvgendProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

CliResult RunCliCapture(const std::string& server, std::vector<std::string> args) {
  args.insert(args.begin(), {"evgen", "--server", server});
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  CliResult result;
  result.code = evgen::cli::RunCli(static_cast<int>(argv.size()), argv.data(), out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

int64_t ProcessStatusBytes(pid_t pid, const std::string& key) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    std::istringstream fields(line.substr(key.size()));
    int64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return -1;
}

long CliPeakRssMiB(const std::string& server, const std::vector<std::string>& args) {
  std::vector<std::string> full = {EVGEN_CLI_PATH, "--server", server};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(EVGEN_CLI_PATH, argv.data());
    std::_Exit(127);
  }
  int status = 0;
  struct rusage usage {};
  if (pid < 0 || ::wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return -1;
  }
  return usage.ru_maxrss / 1024;
}

}  // namespace evgen::testing
