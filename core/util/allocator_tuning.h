// allocator_tuning.h: TuneAllocatorForTensors, glibc malloc settings for a
// process that trains LibTorch models on the CPU.
//
// Why: every training step allocates and frees tensors of several MiB
// (activations, gradients, MMD kernel matrices). glibc serves blocks above
// its mmap threshold with mmap/munmap, so each step pays fresh page faults;
// its dynamic threshold only slowly adapts. On the 2-core machine the
// ttbar-mmd-gan-small preset ran anywhere from 4-5 to 14 steps/s with the
// defaults (the rate changed within one run as the threshold moved), 28
// steps/s with GLIBC_TUNABLES raising the thresholds, and 17.6 steps/s on
// average (227 s for 4,000 steps, docs/results.md) with these settings. Raising
// the mmap threshold to 32 MiB (glibc's maximum) keeps such blocks on the
// heap, and a 1 GiB trim threshold stops the heap being handed back and
// faulted in again between steps; the cost is that up to 1 GiB of freed
// memory stays mapped to the process.
//
// Each arena keeps what it held at its peak, and glibc gives every thread
// its own arena up to 8 per core. evgend's sample streams wait on many
// threads (sample_batcher.h), and with 8 clients sampling ttbar its peak
// RSS grew from 716 to 1648 MiB; one arena per core (M_ARENA_MAX) brought
// it to 638 MiB at the same throughput, but then CacheTest's bound on the
// RSS left after reading ten datasets failed under a loaded ctest run (269
// against 265 MiB). Not capped; docs/results.md (issue 15, third part).
#pragma once

namespace evgen {

// TuneAllocatorForTensors applies the settings; call it once, early in main().
// A no-op outside glibc.
void TuneAllocatorForTensors();

}  // namespace evgen
