#include "core/io/checked_size.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "absl/strings/match.h"

namespace evgen {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

void ExpectRefused(const absl::StatusOr<int64_t>& result, const std::string& fragment) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(result.status().message(), "f.npy: shape"))
      << result.status();
  EXPECT_TRUE(absl::StrContains(result.status().message(), fragment)) << result.status();
}

TEST(CheckedSizeTest, ExactResultsPass) {
  EXPECT_EQ(*CheckedMul(3, 4, "f.npy: shape"), 12);
  EXPECT_EQ(*CheckedMul(0, kMax, "f.npy: shape"), 0);
  EXPECT_EQ(*CheckedMul(kMax, 1, "f.npy: shape"), kMax);
  EXPECT_EQ(*CheckedAdd(kMax - 1, 1, "f.npy: shape"), kMax);
  EXPECT_EQ(*CheckedProduct({2, 3, 4}, "f.npy: shape"), 24);
  EXPECT_EQ(*CheckedProduct({}, "f.npy: shape"), 1);
  EXPECT_EQ(*CheckedToInt64(uint64_t{1} << 62, "f.npy: shape"), int64_t{1} << 62);
}

TEST(CheckedSizeTest, TheNpyShapeThatWrappedToFourBytesIsRefused) {
  // (1, 2^62 + 1) float32 values: 2^64 + 4 bytes, which wrapped to 4.
  ExpectRefused(CheckedProduct({1, (int64_t{1} << 62) + 1, 4}, "f.npy: shape"),
                "1 x 4611686018427387905 x 4 does not fit in a 64-bit size");
}

TEST(CheckedSizeTest, OverflowsNameTheOperands) {
  ExpectRefused(CheckedMul(int64_t{1} << 32, int64_t{1} << 31, "f.npy: shape"),
                "4294967296 x 2147483648");
  ExpectRefused(CheckedAdd(kMax, 1, "f.npy: shape"), "9223372036854775807 + 1");
  ExpectRefused(CheckedToInt64(uint64_t{1} << 63, "f.npy: shape"), "9223372036854775808");
}

TEST(CheckedSizeTest, NegativeSizesAreRefusedEvenWhenTheProductIsZero) {
  ExpectRefused(CheckedMul(-1, 0, "f.npy: shape"), "size -1 is negative");
  ExpectRefused(CheckedMul(0, -1, "f.npy: shape"), "size -1 is negative");
  ExpectRefused(CheckedAdd(5, -6, "f.npy: shape"), "size -6 is negative");
  ExpectRefused(CheckedProduct({0, -2}, "f.npy: shape"), "size -2 is negative");
}

}  // namespace
}  // namespace evgen
