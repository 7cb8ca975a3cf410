#include "core/io/isolated_reader.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/io/atomic_file.h"
#include "core/io/npy.h"
#include "core/io/read_report.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace evgen {
namespace {

// ScratchFiles removes the helper's files however the call ends.
struct ScratchFiles {
  std::string base;
  ~ScratchFiles() {
    std::error_code ec;
    for (const char* suffix : {".npy", ".npy.columns", ".report.json", ".err"}) {
      std::filesystem::remove(base + suffix, ec);
    }
  }
};

std::string ScratchBase(const std::string& dir) {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(dir, "/.parse-", ::getpid(), "-", counter.fetch_add(1));
}

absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args, const std::string& err_path) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("the server cannot start its file parser (", std::strerror(rc),
                                               "); evgen-parse-table must be installed beside evgend"));
  }
  return pid;
}

// Wait reaps the helper, killing it when the caller gives up or the time
// limit passes; returns its wait status.
absl::StatusOr<int> Wait(pid_t pid, const IsolatedParseOptions& isolation) {
  const std::chrono::seconds limit = isolation.time_limit;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return absl::InternalError("lost track of the file parser process");
    absl::Status stop = isolation.stop();
    if (stop.ok() && std::chrono::steady_clock::now() > deadline) {
      stop = absl::DeadlineExceededError(
          absl::StrCat("parsing took longer than ", limit.count(), " s and was stopped"));
    }
    if (!stop.ok()) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return stop;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// HelperError turns the helper's "evgen-parse-table-status CODE message"
// line into that status.
absl::Status HelperError(const std::string& err_path, const std::string& path, int exit_code) {
  constexpr absl::string_view kMarker = "evgen-parse-table-status ";
  absl::StatusOr<std::string> text = ReadFileToString(err_path);
  std::string line;
  if (text.ok()) {
    for (absl::string_view l : absl::StrSplit(*text, '\n')) {
      if (absl::ConsumePrefix(&l, kMarker)) line = std::string(l);
    }
  }
  std::pair<std::string, std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 1));
  int code = 0;
  if (!absl::SimpleAtoi(parts.first, &code) || code <= 0 || code > 16) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the file parser ended with exit code ", exit_code, " without a reason; nothing was stored"));
  }
  return absl::Status(static_cast<absl::StatusCode>(code), parts.second);
}

// ApplyHelperTypes gives `table` the exact integer columns and categories
// the helper listed beside the .npy, each checked like the rest of its output.
absl::Status ApplyHelperTypes(const nlohmann::json& result, const std::string& path, Table* table) {
  const auto bad = [&](const std::string& what) {
    return absl::InternalError(absl::StrCat(path, ": the file parser's ", what));
  };
  try {
    if (result.contains("int64_columns")) {
      for (const auto& [column, values] : result.at("int64_columns").items()) {
        absl::Status s = table->SetInt64Column(column, values.get<std::vector<int64_t>>());
        if (!s.ok()) return bad(std::string(s.message()));
      }
    }
    if (result.contains("category_columns")) {
      absl::Status s = table->SetCategories(result.at("category_labels").get<std::vector<std::string>>(),
                                            result.at("category_columns").get<std::vector<std::string>>());
      if (!s.ok()) return bad(std::string(s.message()));
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(absl::StrCat("typed columns are malformed: ", e.what()));
  }
  return absl::OkStatus();
}

// ReadHelperOutput takes in the table and the report the helper wrote at
// `base`; the helper read an untrusted file, so its JSON is checked too.
absl::StatusOr<Table> ReadHelperOutput(const std::string& base, const std::string& path,
                                       ReadReport* report) {
  EVGEN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(base + ".report.json"));
  const nlohmann::json result = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!result.is_object() || !result.contains("weighted") || !result["weighted"].is_boolean() ||
      !result.contains("report")) {
    return absl::InternalError(absl::StrCat(path, ": the file parser wrote no valid result"));
  }
  absl::StatusOr<ReadReport> parsed = ReadReport::FromJson(result["report"]);
  if (!parsed.ok()) {
    return absl::InternalError(absl::StrCat(path, ": the file parser's ", parsed.status().message()));
  }
  NpyReadOptions npy;
  // Without weights, a column named event_weight is a feature of the file.
  npy.weight_column = result["weighted"].get<bool>() ? kEventWeightColumn : "";
  npy.require_weight_column = result["weighted"].get<bool>();
  EVGEN_ASSIGN_OR_RETURN(Table table, ReadNpy(base + ".npy", npy));
  EVGEN_RETURN_IF_ERROR(ApplyHelperTypes(result, path, &table));
  if (report != nullptr) *report = *std::move(parsed);
  return table;
}

}  // namespace

bool NeedsIsolation(const std::string& format) {
  // The formats a third-party C/C++ library decodes: libhdf5 (hdf5, jetnet)
  // and libHepMC3 (hepmc3), in both of which fuzzing found crashes on
  // crafted files; evgen's own readers (csv, npy, lhe) run in-process.
  return format == "hdf5" || format == "jetnet" || format == "hepmc3";
}

std::string DefaultParseHelper() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path(".") : self.parent_path()).string() + "/evgen-parse-table";
}

absl::StatusOr<Table> ReadTableFileIsolated(const std::string& path, const std::string& format,
                                            const std::map<std::string, std::string>& options,
                                            const IsolatedParseOptions& isolation) {
  return ReadTableFileIsolated(path, format, options, isolation, nullptr);
}

absl::StatusOr<Table> ReadTableFileIsolated(const std::string& path, const std::string& format,
                                            const std::map<std::string, std::string>& options,
                                            const IsolatedParseOptions& isolation, ReadReport* report) {
  if (report != nullptr) *report = ReadReport();
  ScratchFiles scratch{ScratchBase(isolation.scratch_dir)};
  std::vector<std::string> args = {isolation.helper,   "--input",  path, "--format", format,
                                   "--output", scratch.base + ".npy", "--max-memory-bytes",
                                   absl::StrCat(isolation.memory_limit_bytes)};
  for (const auto& [key, value] : options) {
    args.push_back("--option");
    args.push_back(absl::StrCat(key, "=", value));
  }
  EVGEN_ASSIGN_OR_RETURN(pid_t pid, Spawn(args, scratch.base + ".err"));
  absl::StatusOr<int> waited = Wait(pid, isolation);
  if (!waited.ok()) {
    return absl::Status(waited.status().code(), absl::StrCat(path, ": ", waited.status().message()));
  }
  const int status = *waited;
  if (WIFSIGNALED(status)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the parsing library crashed on this file (signal ", WTERMSIG(status),
        "); it is malformed or uses features evgen does not read. Nothing was stored"));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return HelperError(scratch.base + ".err", path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  return ReadHelperOutput(scratch.base, path, report);
}

}  // namespace evgen
