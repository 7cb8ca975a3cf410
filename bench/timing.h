// timing.h: the wall-clock helpers the benchmarks share (no gRPC, so the
// core-only build has them too).
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace evgen::bench {

// Seconds runs body once and returns its wall-clock time.
inline double Seconds(const std::function<void()>& body) {
  const auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// MedianSeconds runs body `repeats` times and returns the median time.
inline double MedianSeconds(int repeats, const std::function<void()>& body) {
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) times.push_back(Seconds(body));
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace evgen::bench
