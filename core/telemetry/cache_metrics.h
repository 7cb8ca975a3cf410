// cache_metrics.h: the series of one of evgen's caches (the loaded models,
// the dataset tables) in the process's registry:
//   evgen_cache_hits_total{cache}, evgen_cache_misses_total{cache},
//   evgen_cache_bytes{cache}   (what the cache holds now)
#pragma once

#include <string>

#include "core/telemetry/metrics.h"

namespace evgen::telemetry {

struct CacheMetrics {
  Counter& hits;
  Counter& misses;
  Gauge& bytes;

  // For returns the series of the cache named `cache` ("model", "dataset").
  static CacheMetrics For(const std::string& cache);
};

}  // namespace evgen::telemetry
