// sample_throughput: events/s of GAN sampling at three levels, measured in
// one run for the ttbar-mmd-gan generator (10 x 512; weights after one
// training step, which is all speed depends on) and jetmass-gan-small:
//   (a) a raw LibTorch forward of the same network on pre-drawn inputs, at
//       its best batch size and thread arrangement: one forward at a time
//       with 1 or 2 intra-op threads (LibTorch's and OpenBLAS' threads
//       together, as evgend's --intra-op-threads sets them), or two forwards
//       side by side with one thread each (as evgend runs two passes at once
//       with --intra-op-threads 1);
//   (b) evgen's core sampler: Model::Sample through SampleRows in the chunks
//       a SamplePlan makes for the server (noise, dropout masks, inverse
//       transforms, tables), in the same three arrangements (side by side:
//       two chunks at once, as an evgend stream produces them);
//   (c) through evgend on loopback (a child process), with 1 client and with
//       8 concurrent clients, and evgend's peak resident memory;
//   (d) many small requests through evgend: 8 clients each asking several
//       times for a few hundred events (new seed each time), with dynamic
//       batching off (--batch-delay-us -1), at the default (0: share passes
//       with requests already waiting) and with a 2 ms queue delay;
//   (e) (b) and (c) in reduced precision (Model::ForInference): bf16 on the
//       CPU; fp32, bf16 and fp16 on the GPU with --device cuda (the core-only
//       build), each with its check against fp32 (the largest deviation, in
//       standard deviations of a target column).
// It prints each figure, the ratios b/a and c/a against the best raw forward
// one at a time and against the best of all (two side by side), and the medians of
// --repeats runs; and c/a once more as the median of --repeats pairs, each
// pair timing the raw forward and the service back to back. Without the server (the core-only build for GPU machines)
// it measures (a) and (b).
//
// Usage: evgen_bench_sample_throughput [--rows N] [--repeats R] [--only ttbar|jetmass]
//                                      [--server-threads T] [--small-rows N] [--device cpu|cuda]
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/data/device.h"
#include "core/models/model_registry.h"
#include "core/models/nn/mlp.h"
#include "core/physics/reference_simulators.h"
#include "bench/timing.h"
#include "core/sampling/sample_plan.h"
#include "core/sampling/sample_rows.h"
#include "core/util/allocator_tuning.h"

#ifdef EVGEN_BENCH_WITH_SERVER
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>

#include "bench/evgend_child.h"
#include "client/evgen_client.h"
#endif

namespace {

using evgen::Model;
using evgen::bench::MedianSeconds;
using evgen::Table;

struct Options {
  int64_t rows = 2'000'000;  // about 1 s of jetmass-gan-small per measurement; ttbar takes 1/40
  int repeats = 3;
  std::string only;
  int server_threads = 1;
  int64_t small_rows = 256;
  std::string device = "cpu";
};

struct Arch {
  const char* name;
  const char* kind;
  const char* preset;
  int steps;
  const char* simulator;
  int64_t events;
  std::vector<std::string> conditions;  // columns taken from the reference
  int64_t rows_scale;                   // the big network samples fewer rows
};

void Fail(const std::string& what) {
  std::fprintf(stderr, "sample_throughput: %s\n", what.c_str());
  std::exit(1);
}

std::unique_ptr<Model> FitModel(const Arch& arch, const Table& data) {
  auto model = evgen::CreateModel(arch.kind, {{"preset", arch.preset}, {"steps", arch.steps}});
  if (!model.ok()) Fail(model.status().ToString());
  evgen::FitContext ctx;
  ctx.seed = 1;
  if (absl::Status s = (*model)->Fit(data, ctx); !s.ok()) Fail(s.ToString());
  return std::move(*model);
}

// An arrangement of the work on the cores: `threads` intra-op threads for
// one computation at a time, or (side_by_side) two computations at once with
// one thread each.
struct Arrangement {
  int threads = 1;
  bool side_by_side = false;
  std::string Name() const { return side_by_side ? "2 x 1 thread" : std::to_string(threads) + " thread(s)"; }
};
const Arrangement kArrangements[] = {{1, false}, {2, false}, {1, true}};

// RunArranged runs work(k) for k = 0, 1, ... until `count`, in the arrangement.
void RunArranged(const Arrangement& how, int64_t count, const std::function<void(int64_t)>& work) {
  evgen::SetIntraOpThreads(how.threads);
  if (!how.side_by_side) {
    for (int64_t k = 0; k < count; ++k) work(k);
    return;
  }
  std::atomic<int64_t> next{0};
  auto worker = [&] {
    c10::InferenceMode inference;  // thread-local
    for (int64_t k = next++; k < count; k = next++) work(k);
  };
  std::thread other(worker);
  worker();
  other.join();
}

struct Raw {
  double events_per_s = 0;
  int64_t batch = 0;
  Arrangement how;
};

// RawNet is the generator's network alone, with fresh weights (speed does
// not depend on them) and pre-drawn inputs for `rows` rows.
struct RawNet {
  evgen::Mlp net{nullptr};
  torch::Tensor input;
  int64_t rows = 0;
};

RawNet MakeRawNet(const Model& model, int64_t rows) {
  const nlohmann::json d = model.Describe();
  auto spec = evgen::MlpSpec::FromJson(d["config"]["generator"], "generator");
  if (!spec.ok()) Fail(spec.status().ToString());
  const int64_t inputs = d["config"]["noise"]["dim"].get<int64_t>() +
                         static_cast<int64_t>(model.condition_columns().size());
  const int64_t outputs = static_cast<int64_t>(d["model_columns"].size());
  RawNet raw{evgen::Mlp(inputs, outputs, *spec), torch::randn({rows, inputs}), rows};
  raw.net->eval();
  return raw;
}

// RawSeconds is the wall-clock time of one forward of all rows in batches
// of `batch`, arranged as `how`; checksum keeps the work from being skipped.
double RawSeconds(const RawNet& raw, int64_t batch, const Arrangement& how, double* checksum) {
  c10::InferenceMode inference;
  evgen::Mlp net = raw.net;  // a holder of the same module, for the non-const forward
  std::vector<double> checksums(static_cast<size_t>((raw.rows + batch - 1) / batch));
  const double s = evgen::bench::Seconds([&] {
    RunArranged(how, static_cast<int64_t>(checksums.size()), [&](int64_t k) {
      const int64_t b = k * batch;
      checksums[static_cast<size_t>(k)] =
          net->forward(raw.input.slice(0, b, std::min(raw.rows, b + batch)))[0][0].item<double>();
    });
  });
  *checksum = 0;
  for (double c : checksums) *checksum += c;
  return s;
}

// (a): the raw forward for each batch size and arrangement; returns the
// best with one forward at a time (best.first, the (a)) and the
// best of all (best.second, two side by side on this machine).
std::pair<Raw, Raw> BestRawForward(const RawNet& raw, int repeats) {
  Raw best_one, best;
  for (const Arrangement& how : kArrangements) {
    for (int64_t batch : {1024, 4096, 16384, 65536}) {
      double checksum = 0;
      const double s = MedianSeconds(repeats, [&] { RawSeconds(raw, batch, how, &checksum); });
      const double rate = raw.rows / s;
      std::printf("  (a) raw forward  batch %6lld  %-13s %10.3g events/s  (checksum %.3g)\n",
                  static_cast<long long>(batch), how.Name().c_str(), rate, checksum);
      if (rate > best.events_per_s) best = {rate, batch, how};
      if (!how.side_by_side && rate > best_one.events_per_s) best_one = {rate, batch, how};
    }
  }
  return {best_one, best};
}

// Conditions rows for a conditional model: the reference's columns.
Table ConditionsOf(const Arch& arch, const Table& data) {
  if (arch.conditions.empty()) return Table();
  auto t = data.SelectColumns(arch.conditions);
  if (!t.ok()) Fail(t.status().ToString());
  return *t;
}

// (b): SampleRows in the chunks the server's plan uses (1 MiB of values,
// whole sampling blocks).
double CoreSampler(const Model& model, const Table& conditions, int64_t rows, const Arrangement& how, int repeats) {
  const int columns = static_cast<int>(model.condition_columns().size() + model.target_columns().size());
  const int64_t chunk = evgen::SampleChunkRows(model, columns, int64_t{1} << 20, rows);
  const double s = MedianSeconds(repeats, [&] {
    RunArranged(how, (rows + chunk - 1) / chunk, [&](int64_t k) {
      auto t = evgen::SampleRows(model, conditions, k * chunk, std::min(rows, (k + 1) * chunk), 7);
      if (!t.ok()) Fail(t.status().ToString());
    });
  });
  return rows / s;
}

// (e): the core sampler of the model's copy for `precision` on `device`, in
// every arrangement on the CPU (one on a GPU); returns the best events/s, 0
// when the copy is refused.
double ReducedCoreSampler(const Model& model, const Table& conditions, int64_t rows, const std::string& device,
                          const std::string& precision, int repeats) {
  evgen::InferenceTarget target;
  target.device = device == "cuda" ? "cuda:0" : "cpu";
  target.precision = precision;
  auto copy = model.ForInference(target);
  if (!copy.ok()) {
    std::printf("  (e) %s on %s refused: %s\n", precision.c_str(), device.c_str(), copy.status().ToString().c_str());
    return 0;
  }
  const evgen::InferenceCheck check = (*copy)->inference_check();
  double best = 0;
  for (const Arrangement& how : kArrangements) {
    if (device == "cuda" && how.side_by_side) continue;
    const double rate = CoreSampler(**copy, conditions, rows, how, repeats);
    std::printf("  (e) core sampler %s on %s, %-13s %10.3g events/s\n", precision.c_str(), device.c_str(),
                how.Name().c_str(), rate);
    best = std::max(best, rate);
  }
  std::printf("  (e) check against fp32: largest deviation %.4f standard deviations (%s)\n", check.deviation,
              check.column.c_str());
  return best;
}

#ifdef EVGEN_BENCH_WITH_SERVER
void CheckOk(const absl::Status& s, const char* what) {
  if (!s.ok()) Fail(std::string(what) + ": " + s.ToString());
}

struct Service {
  pid_t pid = 0;
  std::string dir, address;
};

Service StartService(int threads, int64_t batch_delay_us = 0) {
  static int started = 0;
  Service s;
  s.dir = std::filesystem::temp_directory_path() /
          ("evgen-throughput-" + std::to_string(::getpid()) + "-" + std::to_string(started++));
  std::filesystem::create_directories(s.dir);
  s.pid = evgen::bench::StartEvgend(s.dir, {"--intra-op-threads", std::to_string(threads), "--max-heavy-calls", "64",
                                            "--batch-delay-us", std::to_string(batch_delay_us)});
  const int port = evgen::bench::ReadPort(s.dir);
  if (port == 0) Fail("evgend did not start");
  s.address = "127.0.0.1:" + std::to_string(port);
  return s;
}

void TrainOnService(evgen::EvgenClient& client, const Arch& arch) {
  evgen::v1::GenerateReferenceRequest gen;
  gen.set_name(arch.name);
  gen.set_simulator(arch.simulator);
  gen.set_n_events(arch.events);
  gen.set_seed(1);
  CheckOk(client.GenerateReference(gen).status(), "generate");
  evgen::v1::SubmitTrainingRequest train;
  train.set_model_name(arch.name);
  train.set_kind(arch.kind);
  train.mutable_training_data()->set_dataset(arch.name);
  train.set_config_json(nlohmann::json{{"preset", arch.preset}, {"steps", arch.steps}}.dump());
  auto job = client.SubmitTraining(train);
  CheckOk(job.status(), "train");
  auto done = client.WatchJob(job->id(), [](const evgen::v1::Job&) {});
  CheckOk(done.status(), "watch");
  if (done->state() != evgen::v1::JOB_STATE_SUCCEEDED) Fail("training on evgend failed: " + done->error());
}

// (c): `clients` concurrent Sample streams of rows / clients each; returns
// the wall-clock seconds of one such run.
double ServiceSeconds(const Service& s, const Arch& arch, int64_t rows, int clients, const std::string& precision) {
  std::atomic<int64_t> received{0};
  const double seconds = evgen::bench::Seconds([&] {
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        evgen::EvgenClient client(s.address);
        evgen::v1::SampleRequest r;
        r.set_model(arch.name);
        r.set_n(rows / clients);
        r.set_seed(static_cast<uint64_t>(c + 1));
        r.set_precision(precision);
        if (!arch.conditions.empty()) r.mutable_conditions_from()->set_dataset(arch.name);
        CheckOk(client.Sample(r,
                              [&](const evgen::v1::SampleChunk& chunk) {
                                received += chunk.table().rows();
                                return absl::OkStatus();
                              }),
                "sample");
      });
    }
    for (std::thread& t : threads) t.join();
  });
  if (received != rows / clients * clients) Fail("rows went missing");
  return seconds;
}

double ThroughService(const Service& s, const Arch& arch, int64_t rows, int clients, int repeats,
                      const std::string& precision = "") {
  const double seconds = MedianSeconds(repeats, [&] { ServiceSeconds(s, arch, rows, clients, precision); });
  return static_cast<double>(rows / clients * clients) / seconds;
}

// (c) against (a) in pairs: each repeat times the raw forward (at the best
// one-at-a-time arrangement found for (a)) and the service back to back,
// alternating which goes first, and the median of the per-pair ratios is
// returned. On a shared 2-core machine (a) and (c) each drift by 15-20%
// between the moments the table measures them; a pair sees the same machine.
// Each pair's two rates are printed, so that a reader can see whether the
// order within a pair matters (it would if one left load behind).
double PairedRatio(const Service& s, const Arch& arch, const RawNet& raw, const Raw& best, int clients, int repeats) {
  std::vector<double> ratios;
  std::string pairs;
  for (int r = 0; r < repeats; ++r) {
    double checksum = 0, raw_s = 0, service_s = 0;
    if (r % 2 == 0) raw_s = RawSeconds(raw, best.batch, best.how, &checksum);
    service_s = ServiceSeconds(s, arch, raw.rows, clients, "");
    if (r % 2 == 1) raw_s = RawSeconds(raw, best.batch, best.how, &checksum);
    const double served = static_cast<double>(raw.rows / clients * clients);
    ratios.push_back((served / service_s) / (raw.rows / raw_s));
    char text[96];
    std::snprintf(text, sizeof text, "%s%s %.3g, c %.3g", r ? "; " : "", r % 2 ? "c first: a" : "a first: a",
                  raw.rows / raw_s, served / service_s);
    pairs += text;
  }
  std::printf("  (c) evgend, %d client%s, the pairs in events/s: %s\n", clients, clients > 1 ? "s" : " ",
              pairs.c_str());
  std::sort(ratios.begin(), ratios.end());
  return ratios[ratios.size() / 2];
}

void StopService(const Service& s) {
  ::kill(s.pid, SIGTERM);
  ::waitpid(s.pid, nullptr, 0);
  std::filesystem::remove_all(s.dir);
}

// (d): `clients` clients each asking `requests` times, one after the other,
// for `small` rows with a new seed, on an evgend with --batch-delay-us
// `delay_us`; returns events/s over all of them.
double SmallRequests(const Arch& arch, int threads, int64_t delay_us, int64_t small, int repeats) {
  constexpr int kClients = 8, kRequests = 6;
  const Service s = StartService(threads, delay_us);
  evgen::EvgenClient setup(s.address);
  CheckOk(setup.WaitForReady(std::chrono::seconds(30)), "ready");
  TrainOnService(setup, arch);
  uint64_t next_seed = 1;
  const double seconds = MedianSeconds(repeats, [&] {
    std::vector<std::thread> workers;
    std::atomic<int64_t> received{0};
    for (int c = 0; c < kClients; ++c) {
      workers.emplace_back([&, first_seed = next_seed + c * kRequests] {
        evgen::EvgenClient client(s.address);
        for (int k = 0; k < kRequests; ++k) {
          evgen::v1::SampleRequest r;
          r.set_model(arch.name);
          r.set_n(small);
          r.set_seed(first_seed + k);
          if (!arch.conditions.empty()) r.mutable_conditions_from()->set_dataset(arch.name);
          CheckOk(client.Sample(r,
                                [&](const evgen::v1::SampleChunk& chunk) {
                                  received += chunk.table().rows();
                                  return absl::OkStatus();
                                }),
                  "sample");
        }
      });
    }
    for (std::thread& t : workers) t.join();
    next_seed += kClients * kRequests;
    if (received != small * kClients * kRequests) Fail("rows went missing");
  });
  StopService(s);
  return static_cast<double>(small * kClients * kRequests) / seconds;
}
#endif

Options Parse(int argc, char** argv) {
  Options o;
  const char* usage = "options: --rows N, --repeats N, --only ttbar|jetmass, --server-threads N, --small-rows N, --device cpu|cuda";
  for (int i = 1; i < argc; i += 2) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::printf("%s\n", usage);
      std::exit(0);
    }
    // An option without its value would otherwise be skipped and the whole bench run with defaults.
    if (i + 1 == argc) Fail(std::string(argv[i]) + " needs a value; " + usage);
    if (!std::strcmp(argv[i], "--rows")) {
      o.rows = std::atoll(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--repeats")) {
      o.repeats = std::atoi(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--only")) {
      o.only = argv[i + 1];
    } else if (!std::strcmp(argv[i], "--server-threads")) {
      o.server_threads = std::atoi(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--small-rows")) {
      o.small_rows = std::atoll(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--device")) {
      o.device = argv[i + 1];
    } else {
      Fail(std::string("unknown option ") + argv[i] + "; " + usage);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  evgen::TuneAllocatorForTensors();  // as evgend does, so (a) and (b) run with the service's allocator
  // Line-buffered, so the table's lines stay whole between the logs of the evgends it starts.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const Options options = Parse(argc, argv);
  const std::vector<Arch> archs = {
      {"ttbar", "rjs-gan", "ttbar-mmd-gan", 1, "ttbar-allhad", 4096, {}, 40},
      {"jetmass", "gan", "jetmass-gan-small", 10, "qcd-multijet", 20000, {"pt_gev", "eta", "n_track"}, 1},
  };
#ifdef EVGEN_BENCH_WITH_SERVER
  const Service service = StartService(options.server_threads);
  evgen::EvgenClient setup(service.address);
  CheckOk(setup.WaitForReady(std::chrono::seconds(30)), "ready");
#endif
  for (const Arch& arch : archs) {
    if (!options.only.empty() && options.only != arch.name) continue;
    const int64_t rows = std::max<int64_t>(4096, options.rows / arch.rows_scale);
    auto data = evgen::GenerateReference(arch.simulator, arch.events, 1, {});
    if (!data.ok()) Fail(data.status().ToString());
    const std::unique_ptr<Model> model = FitModel(arch, *data);
    std::printf("%s (%s preset %s), %lld rows per run, median of %d\n", arch.name, arch.kind, arch.preset,
                static_cast<long long>(rows), options.repeats);
    const RawNet raw = MakeRawNet(*model, rows);
    const auto [a1, a] = BestRawForward(raw, options.repeats);
    std::printf("  (a) best raw forward, one at a time: %.3g events/s (batch %lld, %s)\n", a1.events_per_s,
                static_cast<long long>(a1.batch), a1.how.Name().c_str());
    std::printf("  (a) best raw forward of all:         %.3g events/s (batch %lld, %s)\n", a.events_per_s,
                static_cast<long long>(a.batch), a.how.Name().c_str());
    // Ratios against both: "x / a one at a time, x / a of all".
    auto ratios = [&](double x) {
      char text[64];
      std::snprintf(text, sizeof text, "%.2f / %.2f", x / a1.events_per_s, x / a.events_per_s);
      return std::string(text);
    };
    double b = 0;
    for (const Arrangement& how : kArrangements) {
      const double rate = CoreSampler(*model, ConditionsOf(arch, *data), rows, how, options.repeats);
      std::printf("  (b) core sampler, %-13s %10.3g events/s\n", how.Name().c_str(), rate);
      b = std::max(b, rate);
    }
    std::printf("  (b) best core sampler: %.3g events/s, b/a %s\n", b, ratios(b).c_str());
    const std::vector<std::string> reduced =
        options.device == "cuda" ? std::vector<std::string>{"fp32", "bf16", "fp16"} : std::vector<std::string>{"bf16"};
    [[maybe_unused]] bool bf16_served = false;  // a refused copy is refused by evgend too (unused in core-only)
    for (const std::string& precision : reduced) {
      const double e = ReducedCoreSampler(*model, ConditionsOf(arch, *data), rows, options.device, precision,
                                          options.repeats);
      if (e == 0) continue;  // refused, said so above
      std::printf("  (e) best core sampler %s on %s: %.3g events/s, e/a %s, e/b %.2f\n", precision.c_str(),
                  options.device.c_str(), e, ratios(e).c_str(), e / b);
      if (precision == "bf16") bf16_served = true;
    }
#ifdef EVGEN_BENCH_WITH_SERVER
    TrainOnService(setup, arch);
    for (int clients : {1, 8}) {
      const double c = ThroughService(service, arch, rows, clients, options.repeats);
      std::printf("  (c) evgend, %d client%s: %.3g events/s, c/a %s\n", clients, clients > 1 ? "s" : " ", c,
                  ratios(c).c_str());
    }
    for (int clients : {1, 8}) {
      std::printf("  (c) evgend, %d client%s, c/a paired with the raw forward (batch %lld, %s): median %.2f of %d "
                  "pairs\n",
                  clients, clients > 1 ? "s" : " ", static_cast<long long>(a1.batch), a1.how.Name().c_str(),
                  PairedRatio(service, arch, raw, a1, clients, options.repeats), options.repeats);
    }
    for (int clients : {1, 8}) {
      if (!bf16_served) break;
      const double c = ThroughService(service, arch, rows, clients, options.repeats, "bf16");
      std::printf("  (e) evgend bf16, %d client%s: %.3g events/s, c/a %s\n", clients, clients > 1 ? "s" : " ", c,
                  ratios(c).c_str());
    }
    std::printf("  evgend peak RSS so far: %.0f MiB (--intra-op-threads %d)\n",
                evgen::bench::PeakRssMiB(service.pid), options.server_threads);
    for (int64_t delay_us : {-1, 0, 2000}) {
      const double d = SmallRequests(arch, options.server_threads, delay_us, options.small_rows, options.repeats);
      std::printf("  (d) evgend, 8 clients x 6 requests of %lld rows, --batch-delay-us %5lld: %.3g events/s, "
                  "d/a %s\n",
                  static_cast<long long>(options.small_rows), static_cast<long long>(delay_us), d, ratios(d).c_str());
    }
#endif
  }
#ifdef EVGEN_BENCH_WITH_SERVER
  StopService(service);
#endif
  return 0;
}
