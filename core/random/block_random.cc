#include "core/random/block_random.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/random/counter_rng.h"

namespace evgen {
namespace {

constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ULL;  // SplitMix64's increment

// Hash h of a stream: 64 random bits.
inline uint64_t Hash(uint64_t key, uint64_t h) { return Mix64(key + kGamma * (h + 1)); }

inline float Uniform24(uint32_t bits) { return (static_cast<float>(bits >> 8) + 0.5f) * 0x1.0p-24f; }

}  // namespace

void FillUniform(uint64_t key, uint64_t first, float* out, int64_t n) {
  // Position p takes half p % 2 of hash p / 2.
  int64_t j = 0;
  uint64_t p = first;
  if (n > 0 && (p & 1)) {
    out[j++] = Uniform24(static_cast<uint32_t>(Hash(key, p >> 1) >> 32));
    ++p;
  }
  for (; j + 1 < n; j += 2, p += 2) {
    const uint64_t h = Hash(key, p >> 1);
    out[j] = Uniform24(static_cast<uint32_t>(h));
    out[j + 1] = Uniform24(static_cast<uint32_t>(h >> 32));
  }
  if (j < n) out[j] = Uniform24(static_cast<uint32_t>(Hash(key, p >> 1)));
}

DropoutMask::DropoutMask(double keep) {
  keep = std::clamp(keep, 0.0, 1.0);
  // The fewest bits (1, 2, 4 or 8) that make `keep` exact, else 24.
  for (int bits : {1, 2, 4, 8}) {
    const double scaled = keep * static_cast<double>(1 << bits);
    if (scaled == std::floor(scaled)) {
      bits_ = bits;
      threshold_ = static_cast<uint32_t>(scaled);
      break;
    }
  }
  if (bits_ == 24) threshold_ = static_cast<uint32_t>(std::lround(keep * 0x1.0p24));
  keep_ = static_cast<double>(threshold_) / static_cast<double>(uint64_t{1} << bits_);
  scale_ = keep_ > 0 ? static_cast<float>(1.0 / keep_) : 0.0f;
  if (bits_ <= 8) {
    // One byte holds 8 / bits_ decisions, lowest bits first.
    const int per_byte = 8 / bits_;
    const uint32_t field = (1u << bits_) - 1;
    table_.resize(256 * static_cast<size_t>(per_byte));
    for (uint32_t byte = 0; byte < 256; ++byte) {
      for (int k = 0; k < per_byte; ++k) {
        table_[byte * per_byte + k] = ((byte >> (k * bits_)) & field) < threshold_ ? scale_ : 0.0f;
      }
    }
  }
}

void DropoutMask::Fill(uint64_t key, uint64_t first, float* out, int64_t n) const {
  if (bits_ <= 8) {
    FillFromTable(key, first, out, n);
  } else {
    FillByCompare(key, first, out, n);
  }
}

void DropoutMask::FillFromTable(uint64_t key, uint64_t first, float* out, int64_t n) const {
  // Position p is decision p % per_byte of byte p / per_byte of the stream;
  // byte b is byte b % 8 of hash b / 8.
  const int64_t per_byte = 8 / bits_;
  const int64_t per_hash = 8 * per_byte;
  int64_t j = 0;
  uint64_t p = first;
  // Unaligned head, one decision at a time.
  for (; j < n && p % per_hash != 0; ++j, ++p) {
    const uint64_t h = Hash(key, p / per_hash);
    const uint32_t byte = static_cast<uint32_t>(h >> (8 * ((p % per_hash) / per_byte))) & 0xff;
    out[j] = table_[byte * per_byte + p % per_byte];
  }
  // Whole hashes: 8 table rows of per_byte floats each.
  for (; j + per_hash <= n; j += per_hash, p += per_hash) {
    uint64_t h = Hash(key, p / per_hash);
    for (int b = 0; b < 8; ++b, h >>= 8) {
      std::memcpy(out + j + b * per_byte, &table_[(h & 0xff) * per_byte], per_byte * sizeof(float));
    }
  }
  for (; j < n; ++j, ++p) {
    const uint64_t h = Hash(key, p / per_hash);
    const uint32_t byte = static_cast<uint32_t>(h >> (8 * ((p % per_hash) / per_byte))) & 0xff;
    out[j] = table_[byte * per_byte + p % per_byte];
  }
}

void DropoutMask::FillByCompare(uint64_t key, uint64_t first, float* out, int64_t n) const {
  // The 24-bit uniforms of FillUniform, compared with the threshold.
  FillUniform(key, first, out, n);
  const float keep = static_cast<float>(keep_);
  for (int64_t j = 0; j < n; ++j) out[j] = out[j] < keep ? scale_ : 0.0f;
}

}  // namespace evgen
