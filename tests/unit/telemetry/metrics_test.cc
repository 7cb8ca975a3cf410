#include "core/telemetry/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace evgen::telemetry {
namespace {

TEST(MetricsTest, CountersAndGaugesWriteTheTextFormat) {
  Registry r;
  Family<Counter>& calls = r.AddCounter("test_calls_total", "Calls made.");
  calls.Add({{"method", "Sample"}, {"code", "OK"}}).Increment(2);
  calls.Add({{"method", "Sample"}, {"code", "OK"}}).Increment();
  calls.Add({{"method", "Get"}, {"code", "NOT_FOUND"}}).Increment(-5);  // ignored: counters only rise
  r.AddGauge("test_bytes", "Bytes held.").Add({}).Set(1.5e9);
  EXPECT_EQ(r.Serialize(),
            "# HELP test_bytes Bytes held.\n"
            "# TYPE test_bytes gauge\n"
            "test_bytes 1500000000\n"
            "# HELP test_calls_total Calls made.\n"
            "# TYPE test_calls_total counter\n"
            "test_calls_total{code=\"NOT_FOUND\",method=\"Get\"} 0\n"
            "test_calls_total{code=\"OK\",method=\"Sample\"} 3\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry r;
  Histogram& h = r.AddHistogram("test_seconds", "Durations.", {0.5, 1}).Add({{"m", "x"}});
  for (double v : {0.25, 0.5, 0.75, 3.0}) h.Observe(v);
  EXPECT_EQ(r.Serialize(),
            "# HELP test_seconds Durations.\n"
            "# TYPE test_seconds histogram\n"
            "test_seconds_bucket{le=\"0.5\",m=\"x\"} 2\n"
            "test_seconds_bucket{le=\"1\",m=\"x\"} 3\n"
            "test_seconds_bucket{le=\"+Inf\",m=\"x\"} 4\n"
            "test_seconds_sum{m=\"x\"} 4.5\n"
            "test_seconds_count{m=\"x\"} 4\n");
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  EXPECT_EQ(FormatLabels({{"model", "a\"b\\c\nd"}}), "{model=\"a\\\"b\\\\c\\nd\"}");
  Registry r;
  r.AddGauge("test_g", "line one\nback\\slash").Add({});
  EXPECT_NE(r.Serialize().find("# HELP test_g line one\\nback\\\\slash\n"), std::string::npos);
}

TEST(MetricsTest, SpecialValues) {
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(-3), "-3");
}

TEST(MetricsTest, CollectorsRunAtScrapeUntilRemoved) {
  Registry r;
  Gauge& g = r.AddGauge("test_now", "Read at scrape.").Add({});
  int scrapes = 0;
  const int64_t id = r.AddCollector([&] { g.Set(++scrapes); });
  EXPECT_NE(r.Serialize().find("test_now 1\n"), std::string::npos);
  EXPECT_NE(r.Serialize().find("test_now 2\n"), std::string::npos);
  r.RemoveCollector(id);
  EXPECT_NE(r.Serialize().find("test_now 2\n"), std::string::npos);
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Registry r;
  Counter& c = r.AddCounter("test_total", "Concurrent.").Add({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) c.Increment();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000);
}

TEST(MetricsTest, TheSameNameGivesTheSameFamily) {
  Registry r;
  EXPECT_EQ(&r.AddCounter("test_total", "x"), &r.AddCounter("test_total", "x"));
  EXPECT_DEATH(r.AddGauge("test_total", "x"), "different types");
}

}  // namespace
}  // namespace evgen::telemetry
