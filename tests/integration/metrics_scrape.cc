#include "tests/integration/metrics_scrape.h"

#include <httplib.h>

namespace evgen::testing {

std::string ScrapeMetrics(int port) {
  httplib::Client http("127.0.0.1", port);
  httplib::Result r = http.Get("/metrics");
  if (!r || r->status != 200) return "";
  return r->body;
}

double MetricValue(const std::string& text, const std::string& series) {
  const std::string prefix = series + " ";
  size_t at = 0;
  while ((at = text.find(prefix, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + prefix.size()));
    at += prefix.size();
  }
  return -1;
}

}  // namespace evgen::testing
