// /metrics through a real evgend: the text passes `promtool check metrics`
// (Debian's prometheus package), the counters move after real calls (by
// method and status code, events per model, stream bytes, jobs by state,
// cache misses), and a real Prometheus server started on loopback with a
// scrape config for evgend answers a PromQL query with evgen's series.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include <httplib.h>

#include "client/evgen_client.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"
#include "tests/integration/metrics_scrape.h"

namespace evgen::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string Scrape(int port) {
  httplib::Client http("127.0.0.1", port);
  httplib::Result r = http.Get("/metrics");
  EXPECT_TRUE(r) << "no answer from /metrics on port " << port;
  if (!r) return "";
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain; version=0.0.4"), std::string::npos);
  return r->body;
}

double Value(const std::string& text, const std::string& series) { return MetricValue(text, series); }

// FreePort asks the kernel for a loopback port nobody holds right now.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class PrometheusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("evgen-prometheus");
    auto server = EvgendProcess::Start(dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->metrics_port(), 0);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Work makes the calls whose series the tests look for: a dataset, a
  // template trained as a job, 1,000 sampled rows, and one NOT_FOUND.
  void Work() {
    ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "qcd-multijet", "-n", "3000", "--name", "qcd"})
                  .code,
              0);
    ASSERT_EQ(RunCliCapture(server_->address(), {"train", "template", "--dataset", "qcd", "--name", "tpl", "--wait"})
                  .code,
              0);
    CliResult s = RunCliCapture(server_->address(), {"sample", "1000", "--model", "tpl", "--conditions-from", "qcd",
                                                     "--region", "validation", "-o", dir_ + "/s.npy"});
    ASSERT_EQ(s.code, 0) << s.err;
    EXPECT_NE(RunCliCapture(server_->address(), {"models", "get", "no-such-model"}).code, 0);
  }

  std::string dir_;
  std::unique_ptr<EvgendProcess> server_;
};

TEST_F(PrometheusTest, CountersMoveAfterCallsAndPromtoolAcceptsTheText) {
  const std::string before = Scrape(server_->metrics_port());
  EXPECT_EQ(Value(before, R"(evgen_events_generated_total{model="tpl"})"), -1);
  EXPECT_EQ(Value(before, R"(evgen_jobs{state="succeeded"})"), 0);
  Work();
  const std::string after = Scrape(server_->metrics_port());
  EXPECT_EQ(Value(after, R"(evgen_events_generated_total{model="tpl"})"), 1000);
  EXPECT_EQ(Value(after,
                  R"(evgen_grpc_requests_total{code="OK",method="Sample",service="evgen.v1.SamplingService"})"),
            1);
  EXPECT_EQ(Value(after,
                  R"(evgen_grpc_requests_total{code="NOT_FOUND",method="GetModel",service="evgen.v1.ModelService"})"),
            1);
  EXPECT_EQ(Value(after,
                  R"(evgen_grpc_request_duration_seconds_count{method="Sample",service="evgen.v1.SamplingService"})"),
            1);
  EXPECT_GT(Value(after, R"(evgen_stream_bytes_total{method="Sample"})"), 1000 * 3 * 4);
  EXPECT_EQ(Value(after, R"(evgen_active_streams{method="Sample"})"), 0);
  EXPECT_EQ(Value(after, R"(evgen_jobs{state="succeeded"})"), 1);
  EXPECT_GE(Value(after, R"(evgen_cache_misses_total{cache="model"})"), 1);
  EXPECT_GT(Value(after, R"(evgen_cache_bytes{cache="model"})"), 0);
  EXPECT_EQ(Value(after, R"(evgen_limit{name="max_sample_rows"})"), 100000000);
  EXPECT_GT(Value(after, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(Value(after, "process_open_fds"), 3);

  const std::string file = dir_ + "/metrics.txt";
  std::ofstream(file) << after;
  const std::string command = "promtool check metrics < " + file + " > " + dir_ + "/promtool.txt 2>&1";
  const int code = std::system(command.c_str());
  std::ifstream out(dir_ + "/promtool.txt");
  const std::string said((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_EQ(code, 0) << "promtool check metrics: " << said;
}

TEST_F(PrometheusTest, OnlyGetMetricsIsServed) {
  httplib::Client http("127.0.0.1", server_->metrics_port());
  httplib::Result r = http.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = http.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_NE(r->status, 200);
}

TEST_F(PrometheusTest, ARealPrometheusScrapesEvgendAndAnswersAQuery) {
  Work();
  const int web_port = FreePort();
  const std::string config = dir_ + "/prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                        << "scrape_configs:\n  - job_name: evgend\n    static_configs:\n"
                        << "      - targets: ['127.0.0.1:" << server_->metrics_port() << "']\n";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string log = dir_ + "/prometheus.log";
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    const std::string config_flag = "--config.file=" + config;
    const std::string storage_flag = "--storage.tsdb.path=" + dir_ + "/tsdb";
    const std::string web_flag = "--web.listen-address=127.0.0.1:" + std::to_string(web_port);
    ::execlp("prometheus", "prometheus", config_flag.c_str(), storage_flag.c_str(), web_flag.c_str(),
             static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  httplib::Client http("127.0.0.1", web_port);
  nlohmann::json answer;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    httplib::Result r = http.Get("/api/v1/query?query=evgen_events_generated_total%7Bmodel%3D%22tpl%22%7D");
    if (!r || r->status != 200) continue;
    answer = nlohmann::json::parse(r->body, nullptr, false);
    if (answer.is_object() && !answer["data"]["result"].empty()) break;
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  ASSERT_TRUE(answer.is_object() && !answer["data"]["result"].empty())
      << "Prometheus gave no evgen series within 60 s: " << answer.dump();
  const nlohmann::json& series = answer["data"]["result"][0];
  EXPECT_EQ(series["metric"]["job"], "evgend");
  EXPECT_EQ(series["metric"]["model"], "tpl");
  EXPECT_EQ(series["value"][1], "1000");
}

}  // namespace
}  // namespace evgen::testing
