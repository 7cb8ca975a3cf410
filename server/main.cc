// evgend: the evgen server. Parses flags and runs EvgenServer until SIGINT or
// SIGTERM, then shuts down cleanly (unfinished jobs are marked interrupted).
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "core/util/allocator_tuning.h"
#include "server/evgen_server.h"
#include "spdlog/spdlog.h"

#ifndef EVGEN_VERSION
#define EVGEN_VERSION "unknown"
#endif

namespace {

// The stop signals are turned into a byte on a pipe: a handler may only do
// async-signal-safe work, and threads that libraries started before main()
// would not inherit a blocked signal mask, so sigwait() alone is not enough.
int stop_pipe[2] = {-1, -1};

void OnStopSignal(int signal) {
  const char byte = static_cast<char>(signal);
  (void)!::write(stop_pipe[1], &byte, 1);
}

std::string DefaultDataDir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/evgen";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.local/share/evgen";
  return "./evgen-data";
}

// IsLoopback is true for a listen address only this host can reach.
bool IsLoopback(const std::string& listen) {
  return listen.rfind("127.", 0) == 0 || listen.rfind("localhost:", 0) == 0 || listen.rfind("[::1]:", 0) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  evgen::TuneAllocatorForTensors();
  evgen::ServerConfig config;
  config.data_dir = DefaultDataDir();
  CLI::App app{"evgend: serves machine-learned event generators over gRPC"};
  app.set_version_flag("--version", std::string("evgend ") + EVGEN_VERSION);
  app.add_option("--listen", config.listen, "address:port to serve gRPC on (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--data-dir", config.data_dir, "directory holding datasets/, models/ and jobs/")
      ->capture_default_str();
  app.add_option("--port-file", config.port_file, "write the bound port to this file once serving");
  config.metrics_listen = "127.0.0.1:9464";
  app.add_option("--metrics-listen", config.metrics_listen,
                 "address:port of the HTTP listener for Prometheus' GET /metrics (\"\" for none; port 0 picks one)")
      ->capture_default_str();
  app.add_option("--auth-tokens", config.auth_tokens,
                 "file of bearer tokens, one 'ROLE NAME TOKEN' per line (roles reader, trainer, admin); "
                 "without it every caller may do everything")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", config.tls_cert, "TLS certificate chain (PEM) for the gRPC port")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", config.tls_key, "TLS private key (PEM) for --tls-cert")->check(CLI::ExistingFile);
  app.add_option("--tls-client-ca", config.tls_client_ca,
                 "require client certificates signed by this CA (PEM): mutual TLS")
      ->check(CLI::ExistingFile);
  app.add_option("--drain-notice-seconds", config.drain_notice_seconds,
                 "on SIGTERM: health turns NOT_SERVING at once, but calls are still taken for this long (so load "
                 "balancers route elsewhere first)")
      ->capture_default_str()->check(CLI::Range(0, 300));
  app.add_option("--drain-seconds", config.drain_seconds,
                 "after the notice: new calls are refused, running jobs are interrupted (checkpointed), calls in "
                 "flight get this long to finish")
      ->capture_default_str()->check(CLI::Range(0, 3600));
  app.add_option("--metrics-port-file", config.metrics_port_file,
                 "write the bound /metrics port to this file once serving");
  app.add_option("--max-sample-rows", config.max_sample_rows, "largest n one Sample request may ask for")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--max-reference-events", config.max_reference_events,
                 "largest n_events one GenerateReference request may ask for")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--dataset-cache-bytes", config.dataset_cache_bytes,
                 "memory kept for datasets read recently; larger ones are read for each use")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--model-cache-bytes", config.model_cache_bytes,
                 "memory kept for loaded models (their saved size), least recently used evicted first")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--training-workers", config.training_workers, "training jobs run at once")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--max-queued-jobs", config.max_queued_jobs, "jobs that may wait in the queue")
      ->capture_default_str()->check(CLI::Range(0, 100000));
  app.add_option("--heavy-threads", config.heavy_threads,
                 "threads for heavy calls (metrics, samples, generation, uploads, exports)")
      ->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--max-heavy-calls", config.max_heavy_calls,
                 "heavy calls in progress (running or queued) before new ones get RESOURCE_EXHAUSTED")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--max-upload-bytes", config.max_upload_bytes, "largest file one upload may send")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--max-message-bytes", config.max_message_bytes,
                 "largest request message (inline tables in requests)")
      ->capture_default_str()->check(CLI::Range(1 << 20, 1 << 30));
  app.add_option("--max-chunk-bytes", config.max_chunk_bytes, "largest stream chunk a client may ask for")
      ->capture_default_str()->check(CLI::Range(int64_t{1} << 20, int64_t{64} << 20));
  app.add_option("--keepalive-seconds", config.keepalive_seconds, "HTTP/2 keepalive ping interval on idle connections")
      ->capture_default_str()->check(CLI::Range(10, 3600));
  app.add_option("--intra-op-threads", config.intra_op_threads,
                 "threads one LibTorch or OpenBLAS operation may use (0: one per core); samples are reproducible "
                 "for a given count, another count may change their last bits")
      ->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--batch-delay-us", config.batch_delay_us,
                 "dynamic batching: how long (microseconds) a small sample request may wait for concurrent ones "
                 "to share its forward pass (the bytes stay the same); 0 shares only with requests already "
                 "waiting, -1 turns batching off")
      ->capture_default_str()->check(CLI::Range(int64_t{-1}, int64_t{1'000'000}));
  app.add_option("--max-metric-rows", config.max_metric_rows,
                 "largest table one side of a metric call may hold (bounds a metric's memory)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--precision-tolerance", config.precision_tolerance,
                 "a bf16/fp16 sample request is refused when the model in that precision deviates from fp32 "
                 "by more than this many standard deviations in any column (mean |difference| on paired rows)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  if (::pipe(stop_pipe) != 0) {
    spdlog::error("evgend: cannot create the stop pipe");
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  evgen::EvgenServer server(config);
  if (absl::Status s = server.Start(); !s.ok()) {
    spdlog::error("evgend: {}", s.ToString());
    return 1;
  }
  spdlog::info("evgend {} listening on port {} (data dir {})", EVGEN_VERSION, server.port(),
               config.data_dir);
  if (config.auth_tokens.empty() && !IsLoopback(config.listen)) {
    spdlog::warn("evgend: listening on {} without --auth-tokens: any client that reaches it may train, "
                 "upload and delete",
                 config.listen);
  }
  if (server.metrics_port() > 0) spdlog::info("evgend: GET /metrics on port {}", server.metrics_port());
  std::thread stopper([&server] {
    char signal = 0;
    while (::read(stop_pipe[0], &signal, 1) < 0 && errno == EINTR) {
    }
    spdlog::info("evgend: signal {}, shutting down", static_cast<int>(signal));
    server.Shutdown();
  });
  server.Wait();
  stopper.join();
  spdlog::info("evgend: stopped");
  return 0;
}
