// service_bench: how much the service costs on top of the core. Starts an
// in-process evgend on loopback, builds templates, then draws the same sample
// (a) directly through core (the same SamplePlan the server makes) and (b) through
// gRPC with the real client, and prints the medians and their ratio.
//
// Usage: evgen_bench_service [rows=2000000] [repeats=5]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_setup.h"
#include "bench/timing.h"
#include "client/evgen_client.h"
#include "core/sampling/sample_plan.h"
#include "core/store/model_store.h"
#include "server/evgen_server.h"

namespace {

using evgen::bench::Check;
using evgen::bench::MakeQcdTemplate;
using evgen::bench::MedianSeconds;

}  // namespace

int main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 2'000'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string dir = std::filesystem::temp_directory_path() / ("evgen-bench-" + std::to_string(::getpid()));

  evgen::ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.data_dir = dir;
  evgen::EvgenServer server(config);
  Check(server.Start(), "start");
  evgen::EvgenClient client("127.0.0.1:" + std::to_string(server.port()));

  MakeQcdTemplate(client);

  // The same sample the server plans, planned and drawn through core in
  // chunks of the server's default size.
  evgen::ModelStore models(dir + "/models");
  evgen::DatasetStore datasets(dir + "/datasets");
  evgen::SampleSpec spec;
  spec.model = "tpl";
  spec.n = rows;
  spec.seed = 7;
  spec.conditions_from = evgen::DatasetQuery{"qcd", "validation", {}, {}, 0};
  spec.chunk_value_bytes = 1 << 20;
  auto plan = evgen::PlanSample(spec, models, datasets);
  Check(plan.status(), "plan");

  const double core_s = MedianSeconds(repeats, [&] {
    for (int64_t begin = 0; begin < rows; begin += plan->rows_per_chunk()) {
      Check(plan->Rows(begin, std::min(rows, begin + plan->rows_per_chunk())).status(), "core");
    }
  });
  evgen::v1::SampleRequest request;
  request.set_model("tpl");
  request.set_n(rows);
  request.set_seed(7);
  request.mutable_conditions_from()->set_dataset("qcd");
  request.mutable_conditions_from()->set_region("validation");
  const double service_s = MedianSeconds(repeats, [&] {
    Check(client.Sample(request, [](const evgen::v1::SampleChunk&) { return absl::OkStatus(); }), "service");
  });

  std::printf("template sampling, %lld rows (pt_gev, eta, mass_gev), median of %d runs\n",
              static_cast<long long>(rows), repeats);
  std::printf("  core SamplePlan:          %8.3f s  %12.0f rows/s\n", core_s, rows / core_s);
  std::printf("  through evgend + client:  %8.3f s  %12.0f rows/s\n", service_s, rows / service_s);
  std::printf("  service / core time ratio: %.2f\n", service_s / core_s);
  server.Shutdown();
  std::filesystem::remove_all(dir);
  return 0;
}
