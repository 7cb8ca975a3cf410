#include "core/telemetry/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/telemetry/cache_metrics.h"

namespace evgen::telemetry {
namespace {

// AddAtomic adds to an atomic double (no fetch_add for doubles in C++17).
void AddAtomic(std::atomic<double>& target, double amount) {
  double old = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(old, old + amount, std::memory_order_relaxed)) {
  }
}

std::string Escape(const std::string& s, bool quotes) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendSample(std::string& out, const std::string& name, const Labels& labels, double value) {
  absl::StrAppend(&out, name, FormatLabels(labels), " ", FormatValue(value), "\n");
}

}  // namespace

void Counter::Increment(double amount) {
  if (amount > 0) AddAtomic(value_, amount);
}

void Gauge::Increment(double amount) { AddAtomic(value_, amount); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  AddAtomic(sum_, v);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> bounds;
  for (int i = 0; i < count; ++i, start *= factor) bounds.push_back(start);
  return bounds;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return absl::StrCat(static_cast<int64_t>(v));
  char buffer[32];
  const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, r.ptr);
}

std::string FormatLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (const auto& [key, value] : labels) {
    if (out.size() > 1) out += ",";
    absl::StrAppend(&out, key, "=\"", Escape(value, /*quotes=*/true), "\"");
  }
  return out + "}";
}

void FamilyBase::AppendHeader(std::string& out) const {
  absl::StrAppend(&out, "# HELP ", name_, " ", Escape(help_, /*quotes=*/false), "\n");
  absl::StrAppend(&out, "# TYPE ", name_, " ", TypeName(type_), "\n");
}

template <>
void Family<Counter>::AppendText(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  AppendHeader(out);
  for (const auto& [labels, counter] : series_) AppendSample(out, name_, labels, counter->value());
}

template <>
void Family<Gauge>::AppendText(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  AppendHeader(out);
  for (const auto& [labels, gauge] : series_) AppendSample(out, name_, labels, gauge->value());
}

template <>
void Family<Histogram>::AppendText(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  AppendHeader(out);
  for (const auto& [labels, histogram] : series_) {
    const Histogram::Snapshot s = histogram->snapshot();
    for (size_t i = 0; i <= s.bounds.size(); ++i) {
      Labels bucket = labels;
      bucket["le"] = i < s.bounds.size() ? FormatValue(s.bounds[i]) : "+Inf";
      AppendSample(out, name_ + "_bucket", bucket, static_cast<double>(s.cumulative[i]));
    }
    AppendSample(out, name_ + "_sum", labels, s.sum);
    AppendSample(out, name_ + "_count", labels, static_cast<double>(s.cumulative.back()));
  }
}

template <typename Metric>
Family<Metric>& Registry::AddFamily(const std::string& name, const std::string& help, MetricType type,
                                    std::function<std::unique_ptr<Metric>()> make) {
  std::lock_guard<std::mutex> lock(mu_);
  auto type_it = types_.find(name);
  if (type_it != types_.end() && type_it->second != type) {
    std::fprintf(stderr, "evgen: metric %s registered twice with different types\n", name.c_str());
    std::abort();
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    types_[name] = type;
    it = families_.emplace(name, std::make_unique<Family<Metric>>(name, help, type, std::move(make))).first;
  }
  return static_cast<Family<Metric>&>(*it->second);
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help) {
  return AddFamily<Counter>(name, help, MetricType::kCounter, [] { return std::make_unique<Counter>(); });
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help) {
  return AddFamily<Gauge>(name, help, MetricType::kGauge, [] { return std::make_unique<Gauge>(); });
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          const std::vector<double>& bounds) {
  return AddFamily<Histogram>(name, help, MetricType::kHistogram,
                              [bounds] { return std::make_unique<Histogram>(bounds); });
}

int64_t Registry::AddCollector(std::function<void()> collect) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_[next_collector_] = std::move(collect);
  return next_collector_++;
}

void Registry::RemoveCollector(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.erase(id);
}

std::string Registry::Serialize() const {
  // Collectors run under the lock, so one removed cannot be running after
  // RemoveCollector returned.
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, collect] : collectors_) collect();
  std::string out;
  for (const auto& [name, family] : families_) family->AppendText(out);
  return out;
}

CacheMetrics CacheMetrics::For(const std::string& cache) {
  Registry& r = DefaultRegistry();
  const Labels labels = {{"cache", cache}};
  return {r.AddCounter("evgen_cache_hits_total", "Lookups a cache answered from memory.").Add(labels),
          r.AddCounter("evgen_cache_misses_total", "Lookups a cache had to read from disk.").Add(labels),
          r.AddGauge("evgen_cache_bytes", "Bytes a cache holds now.").Add(labels)};
}

Registry& DefaultRegistry() {
  static Registry* registry = new Registry();  // never destroyed: metrics outlive every caller
  return *registry;
}

}  // namespace evgen::telemetry
