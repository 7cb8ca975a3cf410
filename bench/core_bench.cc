// core_bench.cc: evgen_bench_core, throughput benchmarks of core/ with plain
// std::chrono, printing the numbers measured in this one run.
//
// Every section is one function taking BenchOptions and returning 0 on
// success; add a section by writing the function and listing it in
// Sections(). Each section repeats its work `repeats` times and reports the
// median, which is robust to a noisy shared machine.
//
// Example:
//   evgen_bench_core                       # every section
//   evgen_bench_core qcd_multijet --repeats=9 --scale=5
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/metrics/metric_registry.h"
#include "core/models/model_registry.h"
#include "core/models/nn/mlp.h"
#include "core/physics/reference_simulators.h"
#include "core/physics/qcd_multijet.h"
#include "core/physics/qcd_multijet_events.h"
#include "core/random/counter_rng.h"
#include "core/util/allocator_tuning.h"
#include "core/physics/ttbar.h"

namespace evgen {
namespace {

struct BenchOptions {
  int repeats = 5;     // timed repetitions per section; the median is reported
  double scale = 1.0;  // multiplies the amount of work of every section
};

struct BenchSection {
  const char* name;
  const char* description;
  int (*run)(const BenchOptions& options);
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

using Generator = absl::StatusOr<Table> (*)(int64_t, uint64_t, const SimulatorOptions&);

// Seconds returns the wall time of one call of `body`.
template <typename Body>
double Seconds(Body&& body) {
  const auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// BenchQcdMultijet times GenerateQcdMultijet (single thread) on 20000 events
// per repetition, a new seed each time.
int BenchQcdMultijet(const BenchOptions& options) {
  QcdMultijetConfig cfg;
  cfg.n_events = std::max<int64_t>(1, static_cast<int64_t>(20000 * options.scale));
  std::vector<double> events_per_s, jets_per_s, seconds;
  double checksum = 0;  // keeps the work observable
  for (int repeat = 0; repeat < options.repeats; ++repeat) {
    cfg.seed = static_cast<uint64_t>(repeat) + 1;
    int64_t jets = 0;
    bool ok = true;
    const double s = Seconds([&] {
      absl::StatusOr<Table> table = GenerateQcdMultijet(cfg);
      if (!table.ok()) {
        std::fprintf(stderr, "qcd_multijet: %s\n", table.status().ToString().c_str());
        ok = false;
        return;
      }
      jets = table->num_rows();
      checksum += table->at(jets - 1, 6);
    });
    if (!ok) return 1;
    seconds.push_back(s);
    events_per_s.push_back(static_cast<double>(cfg.n_events) / s);
    jets_per_s.push_back(static_cast<double>(jets) / s);
  }
  std::printf(
      "qcd_multijet: %lld events x %d repeats, median %.4f s: %.3g events/s, %.3g jets/s"
      " (checksum %.1f)\n",
      static_cast<long long>(cfg.n_events), options.repeats, Median(seconds), Median(events_per_s),
      Median(jets_per_s), checksum);
  return 0;
}

// BenchEvents times one event generator (single thread) on base_events
// events per repetition, a new seed each time: 200000 for ttbar-allhad, 20000
// for ttbar-dilepton (which also runs the detector emulation and regenerates
// rejected events) and for qcd-multijet-events.
int BenchEvents(const char* name, Generator generate, int64_t base_events,
               const BenchOptions& options) {
  const int64_t n_events = std::max<int64_t>(1, static_cast<int64_t>(base_events * options.scale));
  std::vector<double> events_per_s, seconds;
  double checksum = 0;  // keeps the work observable
  for (int repeat = 0; repeat < options.repeats; ++repeat) {
    bool ok = true;
    const double s = Seconds([&] {
      absl::StatusOr<Table> table = generate(n_events, static_cast<uint64_t>(repeat) + 1, {});
      if (!table.ok()) {
        std::fprintf(stderr, "%s: %s\n", name, table.status().ToString().c_str());
        ok = false;
        return;
      }
      checksum += table->at(n_events - 1, 3);
    });
    if (!ok) return 1;
    seconds.push_back(s);
    events_per_s.push_back(static_cast<double>(n_events) / s);
  }
  std::printf("%s: %lld events x %d repeats, median %.4f s: %.3g events/s (checksum %.1f)\n", name,
              static_cast<long long>(n_events), options.repeats, Median(seconds),
              Median(events_per_s), checksum);
  return 0;
}

int BenchTtbarAllhad(const BenchOptions& options) {
  return BenchEvents("ttbar_allhad", &GenerateTtbarAllhad, 200000, options);
}

int BenchTtbarDilepton(const BenchOptions& options) {
  return BenchEvents("ttbar_dilepton", &GenerateTtbarDilepton, 20000, options);
}

absl::StatusOr<Table> QcdMultijetEvents(int64_t n_events, uint64_t seed, const SimulatorOptions&) {
  QcdMultijetEventsConfig cfg;
  cfg.n_events = n_events;
  cfg.seed = seed;
  return GenerateQcdMultijetEvents(cfg);
}

int BenchQcdMultijetEvents(const BenchOptions& options) {
  return BenchEvents("qcd_multijet_events", &QcdMultijetEvents, 20000, options);
}

// BenchMetrics1d times every 1-D metric and both correlation matrices, the
// way the "wasserstein-1", "ks", "relative-mean-difference", "chi2" and
// "correlations" metrics run them, on two tables of 10^6 events x 8 features.
int BenchMetrics1d(const BenchOptions& options) {
  const int64_t rows = std::max<int64_t>(1000, static_cast<int64_t>(1'000'000 * options.scale));
  const std::vector<std::string> columns = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"};
  auto make = [&](uint64_t seed, double shift) {
    Table t(columns);
    t.Reserve(rows);
    std::vector<float> row(columns.size());
    for (int64_t r = 0; r < rows; ++r) {
      CounterRng rng(seed, r);
      for (size_t c = 0; c < columns.size(); ++c) row[c] = static_cast<float>(rng.Normal() + shift * c);
      t.AppendRow(row.data());
    }
    return t;
  };
  const Table reference = make(1, 0.0), candidate = make(2, 0.01);
  std::vector<double> seconds;
  for (int repeat = 0; repeat < options.repeats; ++repeat) {
    bool ok = true;
    seconds.push_back(Seconds([&] {
      for (const char* name : {"wasserstein-1", "ks", "relative-mean-difference", "chi2", "correlations"}) {
        absl::StatusOr<MetricOutcome> m = ComputeMetric(name, {}, reference, candidate, 1);
        if (!m.ok()) {
          std::fprintf(stderr, "%s: %s\n", name, m.status().ToString().c_str());
          ok = false;
        }
      }
    }));
    if (!ok) return 1;
  }
  std::printf("metrics_1d: %lld events x 8 features, W1 + KS + mean differences + chi2 + Pearson/Spearman, "
              "median %.2f s over %d repeats\n",
              static_cast<long long>(rows), Median(seconds), options.repeats);
  return 0;
}

// GanSetup is one small preset with the reference it trains on.
struct GanSetup {
  const char* preset;
  const char* kind;
  const char* reference;
};

constexpr GanSetup kGanSetups[] = {{"jetmass-gan-small", "gan", "qcd-multijet"},
                                   {"dilepton-wgan-gp-small", "wgan-gp", "ttbar-dilepton"},
                                   {"ttbar-mmd-gan-small", "wgan-gp", "ttbar-allhad"}};

// BenchGanTrain times `steps` training steps of each small preset on its
// reference (20000 events), and reports steps/s and training events/s.
int BenchGanTrain(const BenchOptions& options) {
  const int64_t steps = std::max<int64_t>(10, static_cast<int64_t>(200 * options.scale));
  for (const GanSetup& setup : kGanSetups) {
    absl::StatusOr<Table> data = GenerateReference(setup.reference, 20000, 1, {});
    if (!data.ok()) return std::fprintf(stderr, "%s\n", data.status().ToString().c_str()), 1;
    std::vector<double> seconds;
    int64_t batch = 0;
    for (int repeat = 0; repeat < options.repeats; ++repeat) {
      nlohmann::json config = {{"preset", setup.preset}, {"steps", steps}, {"validation", {{"every", steps}}}};
      absl::StatusOr<std::unique_ptr<Model>> model = CreateModel(setup.kind, config);
      if (!model.ok()) return std::fprintf(stderr, "%s\n", model.status().ToString().c_str()), 1;
      batch = (*model)->Describe()["config"]["batch_size"].get<int64_t>();
      FitContext ctx;
      ctx.seed = static_cast<uint64_t>(repeat) + 1;
      absl::Status status;
      seconds.push_back(Seconds([&] { status = (*model)->Fit(*data, ctx); }));
      if (!status.ok()) return std::fprintf(stderr, "%s\n", status.ToString().c_str()), 1;
    }
    const double median = Median(seconds);
    std::printf("gan_train %-24s %lld steps of batch %lld, median %.2f s: %.1f steps/s, %.3g events/s\n",
                setup.preset, static_cast<long long>(steps), static_cast<long long>(batch), median,
                steps / median, steps * batch / median);
  }
  return 0;
}

// BenchGanSample compares GanModel::Sample (per-row counter-based noise,
// fixed 1024-row blocks, inverse transforms, table assembly) with a raw
// LibTorch forward of an MLP of the same shape on pre-drawn inputs, for
// the jet-mass generator on 10^6 conditions rows.
int BenchGanSample(const BenchOptions& options) {
  const int64_t rows = std::max<int64_t>(1024, static_cast<int64_t>(1'000'000 * options.scale));
  absl::StatusOr<Table> data = GenerateReference("qcd-multijet", 20000, 1, {});
  if (!data.ok()) return 1;
  absl::StatusOr<std::unique_ptr<Model>> model =
      CreateModel("gan", {{"preset", "jetmass-gan-small"}, {"steps", 10}});
  FitContext ctx;
  if (!model.ok() || !(*model)->Fit(*data, ctx).ok()) return 1;
  Table conditions({"pt_gev", "eta", "n_track"});
  conditions.Reserve(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = data->row(r % data->num_rows());
    conditions.AppendRow({row[2], row[3], row[5]});
  }
  absl::StatusOr<MlpSpec> spec =
      MlpSpec::FromJson((*model)->Describe()["config"]["generator"], "generator");
  if (!spec.ok()) return 1;
  Mlp raw(8 + 3, 1, *spec);
  raw->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor input = torch::randn({rows, 8 + 3});
  std::vector<double> service, forward;
  double checksum = 0;
  for (int repeat = 0; repeat < options.repeats; ++repeat) {
    service.push_back(Seconds([&] {
      absl::StatusOr<Table> s = (*model)->SampleFor(conditions, static_cast<uint64_t>(repeat), 0);
      checksum += s.ok() ? s->at(rows - 1, 3) : 0;
    }));
    // The raw baseline also runs in 8192-row blocks: one 10^6-row batch
    // would time the allocation of GiB-sized activations instead.
    forward.push_back(Seconds([&] {
      for (int64_t b = 0; b < rows; b += 8192) {
        checksum += raw->forward(input.slice(0, b, std::min(rows, b + 8192)))[0][0].item<double>();
      }
    }));
  }
  std::printf("gan_sample: %lld rows, GanModel::Sample median %.3f s (%.3g rows/s), raw forward %.3f s, "
              "ratio %.2f (checksum %.1f)\n",
              static_cast<long long>(rows), Median(service), rows / Median(service), Median(forward),
              Median(service) / Median(forward), checksum);
  return 0;
}

const std::vector<BenchSection>& Sections() {
  static const std::vector<BenchSection> sections = {
      {"qcd_multijet", "QCD multijet reference simulator, events/s and jets/s on one core",
       BenchQcdMultijet},
      {"qcd_multijet_events", "qcd-multijet-events (event-level QCD multijet), events/s on one core",
       BenchQcdMultijetEvents},
      {"ttbar_allhad", "ttbar-allhad parton-level simulator, events/s on one core",
       BenchTtbarAllhad},
      {"metrics_1d", "1-D metrics and correlations on 10^6 x 8 (seconds, not minutes)", BenchMetrics1d},
      {"ttbar_dilepton", "ttbar-dilepton simulator with detector emulation, events/s on one core",
       BenchTtbarDilepton},
      {"gan_train", "training steps/s of the small GAN presets", BenchGanTrain},
      {"gan_sample", "GanModel::Sample vs raw LibTorch forward, 10^6 jet masses", BenchGanSample},
  };
  return sections;
}

void PrintUsage() {
  std::printf(
      "usage: evgen_bench_core [SECTION...] [--repeats=N] [--scale=F]\n"
      "  --repeats=N  timed repetitions per section, median reported (default 5)\n"
      "  --scale=F    multiply each section's work by F (default 1)\n"
      "sections:\n");
  for (const BenchSection& section : Sections()) {
    std::printf("  %-20s %s\n", section.name, section.description);
  }
}

int Main(int argc, char** argv) {
  BenchOptions options;
  std::vector<std::string> selected;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      PrintUsage();
      return 0;
    }
    if (arg.rfind("--repeats=", 0) == 0) {
      options.repeats = std::atoi(arg.c_str() + std::strlen("--repeats="));
      if (options.repeats < 1 || options.repeats > 1000) {
        std::fprintf(stderr, "--repeats must be in [1, 1000], got '%s'\n", arg.c_str());
        return 2;
      }
    } else if (arg.rfind("--scale=", 0) == 0) {
      options.scale = std::atof(arg.c_str() + std::strlen("--scale="));
      if (!(options.scale > 0 && options.scale <= 1000)) {
        std::fprintf(stderr, "--scale must be in (0, 1000], got '%s'\n", arg.c_str());
        return 2;
      }
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "unknown option '%s'\n", arg.c_str());
      PrintUsage();
      return 2;
    } else {
      selected.push_back(arg);
    }
  }
  for (const std::string& name : selected) {
    const bool known = std::any_of(Sections().begin(), Sections().end(),
                                   [&](const BenchSection& s) { return name == s.name; });
    if (!known) {
      std::fprintf(stderr, "unknown section '%s'\n", name.c_str());
      PrintUsage();
      return 2;
    }
  }
  int failures = 0;
  for (const BenchSection& section : Sections()) {
    if (!selected.empty() &&
        std::find(selected.begin(), selected.end(), section.name) == selected.end()) {
      continue;
    }
    failures += section.run(options) != 0 ? 1 : 0;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace evgen

int main(int argc, char** argv) {
  evgen::TuneAllocatorForTensors();  // as evgend does, so the figures match the service
  return evgen::Main(argc, argv);
}
