#include "core/util/byte_lru.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace evgen {
namespace {

using Cache = ByteLru<std::string, const int>;

TEST(ByteLruTest, EvictsTheLeastRecentlyUsedUntilANewEntryFits) {
  Cache cache(100);
  Cache::Dropped dropped;
  cache.Insert("a", std::make_shared<const int>(1), 40, &dropped);
  cache.Insert("b", std::make_shared<const int>(2), 40, &dropped);
  ASSERT_NE(cache.Find("a"), nullptr);  // a is now the most recently used
  cache.Insert("c", std::make_shared<const int>(3), 40, &dropped);
  EXPECT_EQ(cache.Find("b"), nullptr);
  EXPECT_EQ(*cache.Find("a"), 1);
  EXPECT_EQ(*cache.Find("c"), 3);
  EXPECT_EQ(cache.bytes(), 80);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(*dropped[0], 2) << "evicted values go to the caller, to be freed after unlocking";
}

TEST(ByteLruTest, AValueLargerThanTheCapacityIsNotKeptAndReplacingAKeyCountsItsBytesOnce) {
  Cache cache(100);
  Cache::Dropped dropped;
  cache.Insert("big", std::make_shared<const int>(1), 101, &dropped);
  EXPECT_EQ(cache.Find("big"), nullptr);
  EXPECT_EQ(cache.bytes(), 0);
  cache.Insert("a", std::make_shared<const int>(1), 60, &dropped);
  cache.Insert("a", std::make_shared<const int>(2), 70, &dropped);
  EXPECT_EQ(cache.bytes(), 70);
  EXPECT_EQ(*cache.Find("a"), 2);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ByteLruTest, EraseIfDropsTheMatchingKeys) {
  ByteLru<std::pair<std::string, int>, const int> cache(1000);
  ByteLru<std::pair<std::string, int>, const int>::Dropped dropped;
  for (int v = 1; v <= 3; ++v) cache.Insert({"m", v}, std::make_shared<const int>(v), 10, &dropped);
  cache.Insert({"n", 1}, std::make_shared<const int>(9), 10, &dropped);
  cache.EraseIf([](const std::pair<std::string, int>& k) { return k.first == "m" && k.second != 2; },
                &dropped);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_NE(cache.Find({"m", 2}), nullptr);
  EXPECT_NE(cache.Find({"n", 1}), nullptr);
  EXPECT_EQ(cache.bytes(), 20);
}

}  // namespace
}  // namespace evgen
