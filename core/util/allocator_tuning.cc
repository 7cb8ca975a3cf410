#include "core/util/allocator_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace evgen {

void TuneAllocatorForTensors() {
#if defined(__GLIBC__)
  // 32 MiB is the largest threshold glibc accepts on 64-bit (HEAP_MAX_SIZE / 2);
  // mallopt refuses a larger one and keeps the default.
  constexpr int kMmapThresholdBytes = 32 << 20;
  constexpr int kTrimThresholdBytes = 1 << 30;
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
#endif
}

}  // namespace evgen
