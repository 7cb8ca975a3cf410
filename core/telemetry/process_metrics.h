// process_metrics.h: the standard process series of Prometheus client
// libraries (process_resident_memory_bytes, process_cpu_seconds_total,
// process_open_fds, process_max_fds, process_start_time_seconds) read from
// /proc at scrape time, and evgen_gpu_memory_used_bytes per device when
// NVIDIA's driver library is present.
#pragma once

#include "core/telemetry/metrics.h"

namespace evgen::telemetry {

// AddProcessMetrics registers the families and a collector that refreshes
// them before each scrape. Call once per registry.
void AddProcessMetrics(Registry& registry);

}  // namespace evgen::telemetry
