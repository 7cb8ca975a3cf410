#include "core/data/device.h"

#include <dlfcn.h>

#include <atomic>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"

namespace evgen {

absl::StatusOr<DeviceInfo> ResolveDevice(const std::string& requested) {
  const bool has_cuda = torch::cuda::is_available();
  DeviceInfo info;
  info.cpu_threads = torch::get_num_threads();
  if (requested == "cpu" || ((requested.empty() || requested == "auto") && !has_cuda)) {
    info.name = "cpu";
    info.description = absl::StrCat("CPU, ", info.cpu_threads, " LibTorch threads");
    return info;
  }
  if (requested == "cuda" || requested.empty() || requested == "auto") {
    if (!has_cuda) {
      return absl::FailedPreconditionError("device: 'cuda' requested but LibTorch sees no CUDA device");
    }
    info.name = "cuda:0";
    info.description = absl::StrCat("CUDA, ", torch::cuda::device_count(), " device(s)");
    return info;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("device: '", requested, "' is not one of auto, cpu, cuda"));
}

namespace {
std::atomic<int> configured_threads{0};  // 0: LibTorch's and OpenBLAS' defaults
}  // namespace

void SetIntraOpThreads(int threads) {
  if (threads <= 0) return;
  configured_threads = threads;
  torch::set_num_threads(threads);
  // OpenBLAS (Debian's libblas.so.3 when libopenblas0-pthread is installed)
  // runs its own threads, which LibTorch's setting does not reach; another
  // BLAS lacks the symbol and is left alone.
  using SetBlasThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetBlasThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(threads);
  }
}

int IntraOpThreads() {
  const int threads = configured_threads.load();
  return threads > 0 ? threads : torch::get_num_threads();
}

void InitComputeThread() {
  // Without a configured count threads keep the defaults untouched.
  if (const int threads = configured_threads.load(); threads > 0) torch::set_num_threads(threads);
}

}  // namespace evgen
