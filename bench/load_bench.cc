// load_bench: many analyses at once against one evgend on loopback. Starts
// the real evgend as a child process, builds a template model, starts one
// GAN training job that runs throughout, then for a bounded time runs N
// client threads, each alternating a 20,000-row Sample stream with four
// unary calls (ListModels, GetModel, ListDatasets, DescribeDataset). Prints
// p50/p99 latency per method, sampled rows per second, errors by status
// code, and the server's resident memory over the run (first and last
// tenth, peak), which stays flat when nothing accumulates.
//
// Usage: evgen_bench_load [clients=16] [seconds=60]
//   (evgend is the one built beside this benchmark; it runs with
//   --max-heavy-calls 64 so that every stream is queued rather than refused)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "bench/bench_setup.h"
#include "bench/evgend_child.h"
#include "client/evgen_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using evgen::bench::Check;
using evgen::bench::MakeQcdTemplate;
using evgen::bench::ReadPort;
using evgen::bench::RssMiB;
using evgen::bench::StartEvgend;

// Stats collects latencies per method and outcomes per status code.
class Stats {
 public:
  void Add(const std::string& method, double seconds, absl::StatusCode code) {
    std::lock_guard<std::mutex> lock(mu_);
    latencies_[method].push_back(seconds);
    codes_[absl::StatusCodeToString(code)] += 1;
  }
  void Print() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [method, v] : latencies_) {
      std::sort(v.begin(), v.end());
      std::printf("  %-16s %7zu calls  p50 %8.2f ms  p99 %8.2f ms\n", method.c_str(), v.size(),
                  1e3 * v[v.size() / 2], 1e3 * v[std::min(v.size() - 1, v.size() * 99 / 100)]);
    }
    for (const auto& [code, n] : codes_) std::printf("  status %-20s %lld\n", code.c_str(), static_cast<long long>(n));
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<double>> latencies_;
  std::map<std::string, int64_t> codes_;
};

template <typename Call>
void Timed(Stats& stats, const std::string& method, Call call) {
  const auto start = Clock::now();
  const absl::Status s = call();
  stats.Add(method, std::chrono::duration<double>(Clock::now() - start).count(), s.code());
}

}  // namespace

int main(int argc, char** argv) {
  const int clients = argc > 1 ? std::atoi(argv[1]) : 16;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 60;
  const std::string dir = std::filesystem::temp_directory_path() / ("evgen-load-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const pid_t server = StartEvgend(dir, {"--max-heavy-calls", "64"});
  const int port = ReadPort(dir);
  if (port == 0) return std::fprintf(stderr, "evgend did not start\n"), 1;
  const std::string address = "127.0.0.1:" + std::to_string(port);
  evgen::EvgenClient setup(address);
  Check(setup.WaitForReady(std::chrono::seconds(30)), "ready");

  MakeQcdTemplate(setup);
  evgen::v1::SubmitTrainingRequest gan;  // runs for the whole benchmark
  gan.set_model_name("gan");
  gan.set_kind("gan");
  gan.mutable_training_data()->set_dataset("qcd");
  gan.set_config_json(R"({"preset": "jetmass-gan-small", "steps": 1000000})");
  auto gan_job = setup.SubmitTraining(gan);
  Check(gan_job.status(), "gan job");

  Stats stats;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> rows{0};
  std::vector<double> rss;
  std::thread monitor([&] {
    while (!stop) {
      rss.push_back(RssMiB(server));
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      evgen::EvgenClient client(address);
      evgen::v1::SampleRequest r;
      r.set_model("tpl");
      r.set_n(20'000);
      r.set_seed(static_cast<uint64_t>(c));
      r.mutable_conditions_from()->set_dataset("qcd");
      r.mutable_conditions_from()->set_region("validation");
      while (!stop) {
        Timed(stats, "Sample", [&] {
          return client.Sample(r, [&](const evgen::v1::SampleChunk& chunk) {
            rows += chunk.table().rows();
            return absl::OkStatus();
          });
        });
        Timed(stats, "ListModels", [&] { return client.ListModels("").status(); });
        Timed(stats, "GetModel", [&] { return client.GetModel("tpl", 0).status(); });
        Timed(stats, "ListDatasets", [&] { return client.ListDatasets().status(); });
        Timed(stats, "DescribeDataset", [&] { return client.DescribeDataset("qcd").status(); });
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (std::thread& t : threads) t.join();
  monitor.join();
  auto gan_state = setup.GetJob(gan_job->id());
  const int64_t gan_step = gan_state.ok() ? gan_state->progress().step() : -1;
  (void)setup.CancelJob(gan_job->id());

  std::printf("load: %d clients for %d s against one evgend (2 heavy threads), one GAN job training throughout\n",
              clients, seconds);
  stats.Print();
  std::printf("  sampled rows/s: %.3g   GAN steps done meanwhile: %lld\n", rows.load() / double(seconds),
              static_cast<long long>(gan_step));
  const size_t tenth = std::max<size_t>(1, rss.size() / 10);
  double first = 0, last = 0;
  for (size_t i = 0; i < tenth; ++i) first += rss[i] / tenth, last += rss[rss.size() - 1 - i] / tenth;
  std::printf("  evgend RSS: first tenth %.0f MiB, last tenth %.0f MiB, peak %.0f MiB\n", first, last,
              *std::max_element(rss.begin(), rss.end()));
  ::kill(server, SIGTERM);
  ::waitpid(server, nullptr, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
