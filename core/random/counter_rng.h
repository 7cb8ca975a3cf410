// counter_rng.h: CounterRng, a counter-based random stream.
//
// Every random number evgen draws outside LibTorch comes from a CounterRng
// keyed by (seed, stream). The n-th draw is a pure function of (seed, stream,
// n), so a sample does not depend on how the work is chunked or threaded:
// row r of a sample uses stream r whether it is produced in one call or in
// a thousand. The mixer is SplitMix64's finaliser, which passes BigCrush when
// used as a counter-based generator over distinct keys.
//
// Example:
//   CounterRng rng(seed, /*stream=*/row);
//   double u = rng.Uniform();   // in [0, 1)
//   double z = rng.Normal();
#pragma once

#include <cmath>
#include <cstdint>

namespace evgen {

// Mix64 is SplitMix64's output function: a bijective avalanche of 64 bits.
inline uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// DeriveSeed combines a seed with a label (a chunk index, a stage number) into
// an independent seed.
inline uint64_t DeriveSeed(uint64_t seed, uint64_t label) {
  return Mix64(seed ^ Mix64(label + 0x9e3779b97f4a7c15ULL));
}

class CounterRng {
 public:
  CounterRng(uint64_t seed, uint64_t stream) : key_(DeriveSeed(seed, stream)) {}

  uint64_t NextU64() { return Mix64(key_ + 0x9e3779b97f4a7c15ULL * ++counter_); }

  // Uniform returns a double in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

  // UniformOpen returns a double in (0, 1), safe for log().
  double UniformOpen() { return (static_cast<double>(NextU64() >> 11) + 0.5) * 0x1.0p-53; }

  // Normal returns a standard normal deviate (Box-Muller, one per call so the
  // draw count stays a simple function of the call count).
  double Normal() {
    const double u1 = UniformOpen();
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Poisson returns a Poisson deviate: Knuth's product method below mean 30,
  // a rounded normal with continuity correction above (error < 1% there).
  int64_t Poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean < 30) {
      const double limit = std::exp(-mean);
      double product = Uniform();
      int64_t k = 0;
      while (product > limit) {
        ++k;
        product *= Uniform();
      }
      return k;
    }
    const double x = std::floor(mean + std::sqrt(mean) * Normal() + 0.5);
    return x < 0 ? 0 : static_cast<int64_t>(x);
  }

 private:
  uint64_t key_;
  uint64_t counter_ = 0;
};

}  // namespace evgen
