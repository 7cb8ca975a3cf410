// device.h: which compute device evgen runs LibTorch work on.
//
// CUDA when LibTorch sees a GPU, CPU otherwise; "cpu" and "cuda" can be asked
// for explicitly. Kept torch-free in the header so the server can report the
// device without the LibTorch headers.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace evgen {

struct DeviceInfo {
  std::string name;  // "cpu" or "cuda:0"
  std::string description;
  int cpu_threads = 1;
};

// ResolveDevice maps a request ("", "auto", "cpu", "cuda") to a device;
// InvalidArgument for other names, FailedPrecondition for "cuda" without one.
[[nodiscard]] absl::StatusOr<DeviceInfo> ResolveDevice(const std::string& requested);

// SetIntraOpThreads sets how many threads one LibTorch operation may use
// (evgend's --intra-op-threads): LibTorch's OpenMP count and OpenBLAS' own
// pool; <= 0 keeps the defaults (one per core). Small networks and
// concurrent requests run faster with fewer: a forward pass split over two
// threads can spend more time handing work over than computing
// (docs/results.md).
void SetIntraOpThreads(int threads);

// IntraOpThreads is the thread count one operation uses: the configured one,
// else LibTorch's default (one per core).
int IntraOpThreads();

// InitComputeThread applies that count to the calling thread: OpenMP keeps
// its thread count per thread, so worker threads call it before their work.
void InitComputeThread();

}  // namespace evgen
