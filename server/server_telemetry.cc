#include "server/server_telemetry.h"

#include <map>

namespace evgen {
namespace {

using telemetry::DefaultRegistry;

// SetLimits publishes every limit of the config, so an operator sees what a
// server runs with next to how close it gets.
void SetLimits(const ServerConfig& c) {
  telemetry::Family<telemetry::Gauge>& limit =
      DefaultRegistry().AddGauge("evgen_limit", "A configured limit of evgend, by flag name.");
  const std::map<std::string, double> limits = {
      {"max_sample_rows", static_cast<double>(c.max_sample_rows)},
      {"max_reference_events", static_cast<double>(c.max_reference_events)},
      {"default_chunk_bytes", static_cast<double>(c.default_chunk_bytes)},
      {"max_chunk_bytes", static_cast<double>(c.max_chunk_bytes)},
      {"max_message_bytes", static_cast<double>(c.max_message_bytes)},
      {"max_upload_bytes", static_cast<double>(c.max_upload_bytes)},
      {"training_workers", static_cast<double>(c.training_workers)},
      {"max_queued_jobs", static_cast<double>(c.max_queued_jobs)},
      {"heavy_threads", static_cast<double>(c.heavy_threads)},
      {"max_heavy_calls", static_cast<double>(c.max_heavy_calls)},
      {"max_metric_rows", static_cast<double>(c.max_metric_rows)},
      {"dataset_cache_bytes", static_cast<double>(c.dataset_cache_bytes)},
      {"model_cache_bytes", static_cast<double>(c.model_cache_bytes)},
      {"precision_tolerance", c.precision_tolerance},
      {"drain_notice_seconds", static_cast<double>(c.drain_notice_seconds)},
      {"drain_seconds", static_cast<double>(c.drain_seconds)},
      {"intra_op_threads", static_cast<double>(c.intra_op_threads)},
      {"batch_delay_us", static_cast<double>(c.batch_delay_us)},
      {"keepalive_seconds", static_cast<double>(c.keepalive_seconds)}};
  for (const auto& [name, value] : limits) limit.Add({{"name", name}}).Set(value);
}

}  // namespace

StreamTelemetry StreamTelemetry::For(const std::string& method) {
  const telemetry::Labels labels = {{"method", method}};
  return {DefaultRegistry().AddCounter("evgen_stream_bytes_total", "Bytes of streamed table chunks.").Add(labels),
          DefaultRegistry().AddGauge("evgen_active_streams", "Table streams in progress.").Add(labels)};
}

telemetry::Counter& EventsGenerated(const std::string& model) {
  return DefaultRegistry()
      .AddCounter("evgen_events_generated_total", "Rows sampled from a model and sent, per model.")
      .Add({{"model", model}});
}

ServerTelemetry::ServerTelemetry(ServerState& state) {
  SetLimits(state.config);
  telemetry::Family<telemetry::Gauge>& jobs = DefaultRegistry().AddGauge("evgen_jobs", "Jobs by state.");
  ServerState* s = &state;
  collector_ = DefaultRegistry().AddCollector([s, &jobs] {
    // Every state shows, at 0 too, so a query never meets a missing series.
    std::map<JobState, double> counts;
    for (JobState st : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded, JobState::kFailed,
                        JobState::kCancelled, JobState::kInterrupted}) {
      counts[st] = 0;
    }
    for (const JobRecord& record : s->jobs.List()) counts[record.state] += 1;
    for (const auto& [st, n] : counts) jobs.Add({{"state", JobStateName(st)}}).Set(n);
  });
}

ServerTelemetry::~ServerTelemetry() { DefaultRegistry().RemoveCollector(collector_); }

}  // namespace evgen
