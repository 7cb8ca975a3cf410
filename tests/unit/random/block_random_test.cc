// block_random: uniforms and dropout masks keyed by absolute position.
#include "core/random/block_random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace evgen {
namespace {

std::vector<float> Uniforms(uint64_t key, uint64_t first, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  FillUniform(key, first, out.data(), n);
  return out;
}

std::vector<float> Mask(double keep, uint64_t key, uint64_t first, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  DropoutMask(keep).Fill(key, first, out.data(), n);
  return out;
}

TEST(BlockRandomTest, UniformsDependOnlyOnKeyAndPosition) {
  const std::vector<float> whole = Uniforms(5, 1000, 101);
  for (uint64_t start : {1000u, 1001u, 1037u, 1098u}) {  // even and odd starts, odd lengths
    const std::vector<float> part = Uniforms(5, start, static_cast<int64_t>(1101 - start));
    EXPECT_EQ(part, std::vector<float>(whole.begin() + (start - 1000), whole.end())) << start;
  }
  EXPECT_NE(Uniforms(6, 1000, 101), whole);
}

TEST(BlockRandomTest, UniformsLieInsideTheOpenIntervalWithTheRightMoments) {
  const std::vector<float> u = Uniforms(9, 0, 200000);
  double sum = 0, sum2 = 0;
  for (float x : u) {
    ASSERT_GT(x, 0.0f);
    ASSERT_LT(x, 1.0f);
    sum += x;
    sum2 += double(x) * x;
  }
  const double mean = sum / u.size();
  EXPECT_NEAR(mean, 0.5, 0.003);
  EXPECT_NEAR(sum2 / u.size() - mean * mean, 1.0 / 12, 0.001);
}

TEST(BlockRandomTest, DropoutMasksKeepTheRightFractionWithInvertedScale) {
  // 0.5 and 0.75 take the table path (exact), 0.3 the compare path.
  for (double keep : {0.5, 0.75, 0.3}) {
    const std::vector<float> m = Mask(keep, 3, 17, 400000);
    const DropoutMask mask(keep);
    int64_t kept = 0;
    for (float v : m) {
      if (v != 0) {
        ASSERT_FLOAT_EQ(v, static_cast<float>(1 / mask.keep())) << keep;
        ++kept;
      }
    }
    EXPECT_NEAR(double(kept) / m.size(), keep, 0.003) << keep;
  }
  EXPECT_DOUBLE_EQ(DropoutMask(0.5).keep(), 0.5);
  EXPECT_DOUBLE_EQ(DropoutMask(0.75).keep(), 0.75);
  EXPECT_NEAR(DropoutMask(0.3).keep(), 0.3, 1e-7);
}

TEST(BlockRandomTest, DropoutMasksDependOnlyOnKeyAndPosition) {
  for (double keep : {0.5, 0.25, 0.3}) {
    const std::vector<float> whole = Mask(keep, 21, 64, 300);
    for (uint64_t start : {64u, 65u, 100u, 127u, 128u, 300u}) {
      const std::vector<float> part = Mask(keep, 21, start, static_cast<int64_t>(364 - start));
      EXPECT_EQ(part, std::vector<float>(whole.begin() + (start - 64), whole.end())) << keep << " " << start;
    }
    EXPECT_NE(Mask(keep, 22, 64, 300), whole);
  }
}

TEST(BlockRandomTest, KeepAllAndKeepNothing) {
  for (float v : Mask(1.0, 1, 0, 100)) EXPECT_EQ(v, 1.0f);
  for (float v : Mask(0.0, 1, 0, 100)) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace evgen
