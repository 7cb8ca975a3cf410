#include "core/store/staging_dir.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace evgen {
namespace fs = std::filesystem;
namespace {

std::string UniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(::getpid(), "-", counter.fetch_add(1));
}

}  // namespace

StagingDir::~StagingDir() {
  if (!path_.empty()) {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
}

absl::Status StagingDir::Create(const std::string& parent) {
  path_ = absl::StrCat(parent, "/.staging-", UniqueSuffix());
  std::error_code ec;
  fs::create_directories(path_, ec);
  if (ec) {
    std::string failed = path_;
    path_.clear();
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", failed, ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::Status StagingDir::Publish(const std::string& target) {
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (fs::exists(target)) return absl::AlreadyExistsError(absl::StrCat(target, " already exists"));
  fs::rename(path_, target, ec);
  if (ec) return absl::InternalError(absl::StrCat("publishing ", target, ": ", ec.message()));
  path_.clear();
  return absl::OkStatus();
}

absl::Status PrepareStoreRoot(const std::string& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", root, ": ", ec.message()));
  // Collect first: removing entries while iterating invalidates the iterator.
  std::vector<fs::path> leftovers;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (absl::StartsWith(name, ".staging-") || absl::StartsWith(name, ".trash-") ||
        absl::StrContains(name, ".tmp.")) {
      leftovers.push_back(it->path());
      it.disable_recursion_pending();
    }
  }
  for (const fs::path& p : leftovers) fs::remove_all(p, ec);
  return absl::OkStatus();
}

absl::Status RemoveDirAtomically(const std::string& root, const std::string& dir) {
  const std::string trash = absl::StrCat(root, "/.trash-", UniqueSuffix());
  std::error_code ec;
  fs::rename(dir, trash, ec);
  if (ec) return absl::InternalError(absl::StrCat("removing ", dir, ": ", ec.message()));
  fs::remove_all(trash, ec);
  return absl::OkStatus();
}

}  // namespace evgen
