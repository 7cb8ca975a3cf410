// metrics.h: a small metrics registry in the conventions of prometheus-cpp
// (which no package registry here carries): metric families with a name, a
// help text and labels; counters, gauges and histograms; and the Prometheus
// text exposition format (version 0.0.4) to serve at /metrics.
//
// Conventions kept from Prometheus: counters end in `_total` and only go up;
// durations are in seconds and sizes in bytes, said in the name; a family's
// series are told apart by their label values; histograms have cumulative
// `le` buckets plus `_sum` and `_count`.
//
// Threading: every update is lock-free on an existing series (atomics);
// adding a series or a family takes the family's or the registry's mutex.
// Series are never removed, so a reference from Add() stays valid.
//
// Example:
//   Family<Counter>& requests = registry.AddCounter("evgen_grpc_requests_total", "gRPC calls handled");
//   requests.Add({{"method", "Sample"}, {"code", "OK"}}).Increment();
//   std::string text = registry.Serialize();
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace evgen::telemetry {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  // Increment adds `amount`; a negative amount is ignored (counters only rise).
  void Increment(double amount = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Increment(double amount = 1);
  void Decrement(double amount = 1) { Increment(-amount); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds` are the buckets' upper bounds, increasing; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; last is +Inf
  std::atomic<double> sum_{0};
};

// ExponentialBuckets: `count` bounds start, start*factor, ... (e.g. latencies).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

enum class MetricType { kCounter, kGauge, kHistogram };

// FamilyBase is what the registry serialises; Family<T> adds typed series.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type)
      : name_(std::move(name)), help_(std::move(help)), type_(type) {}
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  // AppendText writes the family in the text exposition format.
  virtual void AppendText(std::string& out) const = 0;

 protected:
  void AppendHeader(std::string& out) const;
  std::string name_, help_;
  MetricType type_;
  mutable std::mutex mu_;
};

template <typename Metric>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type, std::function<std::unique_ptr<Metric>()> make)
      : FamilyBase(std::move(name), std::move(help), type), make_(std::move(make)) {}

  // Add returns the series with these label values, creating it once.
  Metric& Add(const Labels& labels) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = series_.find(labels);
    if (it == series_.end()) it = series_.emplace(labels, make_()).first;
    return *it->second;
  }
  void AppendText(std::string& out) const override;

 private:
  std::function<std::unique_ptr<Metric>()> make_;
  std::map<Labels, std::unique_ptr<Metric>> series_;
};

template <>
void Family<Counter>::AppendText(std::string& out) const;
template <>
void Family<Gauge>::AppendText(std::string& out) const;
template <>
void Family<Histogram>::AppendText(std::string& out) const;

class Registry {
 public:
  // Each Add* returns the family of that name, creating it the first time;
  // asking again for a name with another type aborts (a programming error).
  Family<Counter>& AddCounter(const std::string& name, const std::string& help);
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help);
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  const std::vector<double>& bounds);

  // AddCollector registers a function run before each Serialize, for values
  // read at scrape time (process memory, jobs by state); RemoveCollector
  // takes it out again with the id returned, before what it reads goes away.
  int64_t AddCollector(std::function<void()> collect);
  void RemoveCollector(int64_t id);

  // Serialize runs the collectors and writes every family, sorted by name,
  // in the text exposition format.
  std::string Serialize() const;

 private:
  template <typename Metric>
  Family<Metric>& AddFamily(const std::string& name, const std::string& help, MetricType type,
                            std::function<std::unique_ptr<Metric>()> make);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;
  std::map<std::string, MetricType> types_;
  std::map<int64_t, std::function<void()>> collectors_;
  int64_t next_collector_ = 1;
};

// DefaultRegistry is the process's registry: evgend serves it at /metrics,
// and core parts that count (stores, jobs) add their families to it.
Registry& DefaultRegistry();

// FormatValue writes a sample value as the text format wants it (+Inf, -Inf,
// NaN, or the shortest decimal that reads back to the same double).
std::string FormatValue(double v);
// FormatLabels writes {a="x",b="y"} with values escaped ("" for none).
std::string FormatLabels(const Labels& labels);

}  // namespace evgen::telemetry
