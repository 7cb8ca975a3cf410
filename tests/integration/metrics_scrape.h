// metrics_scrape.h: reading a running evgend's /metrics in tests.
#pragma once

#include <string>

namespace evgen::testing {

// ScrapeMetrics returns the body of GET /metrics on the loopback `port`, or
// "" when nothing answered with 200.
std::string ScrapeMetrics(int port);

// MetricValue returns the sample of `series` (name and labels exactly as
// exposed), or -1 when the text has none.
double MetricValue(const std::string& text, const std::string& series);

}  // namespace evgen::testing
