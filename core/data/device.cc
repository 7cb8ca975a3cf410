#include "core/data/device.h"

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

}  // namespace evgen
