// server_state.h: ServerConfig and ServerState, what every evgend service
// shares: the stores under --data-dir, the job manager (its checkpoints under
// <data-dir>/checkpoints), the pool for cheap blocking work and the bounded
// pool for heavy calls.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/sampling/sample_batcher.h"
#include "core/store/dataset_store.h"
#include "core/store/job_store.h"
#include "core/store/model_store.h"
#include "core/jobs/job_manager.h"
#include "core/util/admission_gate.h"
#include "core/util/thread_pool.h"
#include "server/access_control.h"

namespace evgen {

struct ServerConfig {
  std::string listen = "127.0.0.1:50051";
  std::string data_dir;
  std::string port_file;                     // where the bound port is written, if set
  // The HTTP listener for /metrics (Prometheus text format); "" for none.
  std::string metrics_listen;
  std::string metrics_port_file;             // where its bound port is written, if set
  // Shutdown (SIGTERM) turns health NOT_SERVING and keeps taking calls for
  // drain_notice_seconds (so load balancers see it leave before anything is
  // refused); then it refuses new calls (UNAVAILABLE), records running jobs
  // interrupted (resumable from their last checkpoint) and gives calls in
  // flight (sample streams) drain_seconds to finish and reach their
  // clients before cancelling them.
  int drain_notice_seconds = 0;
  int drain_seconds = 30;
  // HTTP/2 keepalive pings on idle connections, so a load balancer or NAT
  // that drops quiet connections does not strand a client mid-job-watch.
  int keepalive_seconds = 60;
  int64_t max_sample_rows = 100'000'000;     // per Sample or EvaluateModel request
  int64_t max_reference_events = 10'000'000; // per GenerateReference request
  int64_t default_chunk_bytes = 1 << 20;     // 1 MiB
  int64_t max_chunk_bytes = 4 << 20;
  int max_message_bytes = 64 << 20;          // inline tables in requests
  int64_t max_upload_bytes = int64_t{8} << 30;  // one uploaded file
  int training_workers = 1;                  // one training job per device
  int max_queued_jobs = 16;
  int pool_threads = 4;                      // cheap blocking work off the gRPC threads
  int intra_op_threads = 0;                  // LibTorch and OpenBLAS threads per operation (0: one per core)
  // Dynamic batching of concurrent Sample streams' partial blocks
  // (core/sampling/sample_batcher.h): how long the oldest may wait for
  // company; negative turns batching off.
  int64_t batch_delay_us = 0;
  // Heavy calls (metrics, model samples, generation, uploads, exports) run
  // on their own threads so cheap calls never wait behind them, and at most
  // max_heavy_calls of them are in progress (running or queued).
  int heavy_threads = 2;
  int max_heavy_calls = 8;
  int64_t max_metric_rows = 10'000'000;      // per side of a Compare or EvaluateModel
  int64_t dataset_cache_bytes = int64_t{1} << 30;  // datasets kept in memory
  int64_t model_cache_bytes = int64_t{1} << 30;    // loaded models kept in memory
  // Standard deviations a reduced-precision sample may deviate from fp32
  // (ModelStoreConfig::precision_tolerance).
  double precision_tolerance = 0.01;
  std::string parse_helper;                  // evgen-parse-table; "" = beside evgend
  std::string auth_tokens;                   // --auth-tokens file; "" = open (anonymous admin)
  // TLS: certificate chain and private key (PEM files) of the gRPC port; with
  // tls_client_ca, clients must present a certificate that CA signed (mTLS).
  std::string tls_cert, tls_key, tls_client_ca;
};

struct ServerState {
  explicit ServerState(const ServerConfig& c)
      : config(c),
        datasets(c.data_dir + "/datasets", DatasetStoreConfig{c.dataset_cache_bytes}),
        models(c.data_dir + "/models", ModelStoreConfig{c.model_cache_bytes, c.precision_tolerance}),
        job_store(c.data_dir + "/jobs"),
        jobs(&job_store,
             JobManagerConfig{c.training_workers, c.max_queued_jobs, c.data_dir + "/checkpoints"}),
        pool(c.pool_threads),
        heavy_pool(c.heavy_threads),
        heavy_gate(c.max_heavy_calls, "--max-heavy-calls"),
        sample_pool(c.max_heavy_calls * std::max(1, c.heavy_threads)),
        batchers(BatchingConfig{c.batch_delay_us >= 0, std::chrono::microseconds(std::max<int64_t>(0, c.batch_delay_us)),
                                c.heavy_threads}) {}

  ServerConfig config;
  DatasetStore datasets;
  ModelStore models;
  JobStore job_store;
  JobManager jobs;
  ThreadPool pool;
  ThreadPool heavy_pool;
  AdmissionGate heavy_gate;
  // Sample streams produce on their own pool, heavy_threads threads per
  // admitted heavy call (a stream produces that many chunks at once), so
  // that requests can wait in a batcher's queue for company; the batchers
  // let at most heavy_threads passes compute at once.
  ThreadPool sample_pool;
  SampleBatchers batchers;  // one per model in use by Sample streams
  AccessControl access;  // set from config.auth_tokens before serving
  std::atomic<bool> draining{false};  // shutting down: new calls are refused
};

}  // namespace evgen
