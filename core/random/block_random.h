// block_random.h: arrays of random numbers for sampling, fast and keyed by
// absolute position.
//
// Element i of a stream is a pure function of (key, i), like CounterRng's
// draws, so a sample's noise and dropout masks do not depend on how the
// request is cut into chunks or blocks. Unlike CounterRng (one SplitMix64
// hash per double), these fill whole arrays from few hashes: two 24-bit
// uniforms per hash, and up to 64 dropout decisions per hash when the keep
// probability is a multiple of 1/256 (0.5, 0.75, ...), so that random
// numbers cost little next to a generator network's forward pass.
//
// Example:
//   FillUniform(DeriveSeed(seed, kNoise), first_row * dim, u.data(), rows * dim);
//   DropoutMask mask(0.5);
//   mask.Fill(DeriveSeed(seed, layer), first_row * width, out, rows * width);
#pragma once

#include <cstdint>
#include <vector>

namespace evgen {

// FillUniform writes out[j] = uniform in (0, 1) with 24 random bits (every
// float of the form (m + 1/2) / 2^24) for stream positions first + j.
void FillUniform(uint64_t key, uint64_t first, float* out, int64_t n);

// DropoutMask draws keep / drop decisions with probability `keep` and
// writes 1/keep for kept units and 0 for dropped ones (inverted dropout, as
// torch's dropout scales). Probabilities that are multiples of 1/256 are
// exact; others are rounded to a multiple of 2^-24 (as a float uniform
// would round them), and the scale is the inverse of the rounded value.
class DropoutMask {
 public:
  explicit DropoutMask(double keep);
  void Fill(uint64_t key, uint64_t first, float* out, int64_t n) const;
  double keep() const { return keep_; }  // after rounding

 private:
  void FillFromTable(uint64_t key, uint64_t first, float* out, int64_t n) const;
  void FillByCompare(uint64_t key, uint64_t first, float* out, int64_t n) const;

  double keep_ = 1;
  float scale_ = 1;
  int bits_ = 24;            // bits per decision: 1, 2, 4, 8, or 24 (compare)
  uint32_t threshold_ = 0;   // a decision keeps when its bits are < threshold_
  std::vector<float> table_; // byte -> its 8 / bits_ mask values (bits_ <= 8)
};

}  // namespace evgen
