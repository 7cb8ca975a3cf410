// No client can take evgend down, starve it or split its store: one server
// per data directory and port; heavy calls admitted up to a limit and run
// apart from cheap ones; a deadline or a cancel stops the server's work;
// conditions checked at the boundary. Each test is a scenario a hostile or
// careless peer tried against a real evgend.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/evgen_client.h"
#include "grpcpp/grpcpp.h"
#include "tests/integration/evgend_process.h"
#include "wire/table_codec.h"

namespace evgen::testing {
namespace {

using Clock = std::chrono::steady_clock;

// ProcessCpuSeconds is utime + stime of `pid` from /proc/PID/stat.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after ')'.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// RunEvgend runs the evgend binary to completion, returning its exit code
// and everything it printed.
std::pair<int, std::string> RunEvgend(const std::vector<std::string>& args) {
  std::string command = EVGEN_EVGEND_PATH;
  for (const std::string& a : args) absl::StrAppend(&command, " '", a, "'");
  absl::StrAppend(&command, " 2>&1");
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  char buffer[512];
  while (pipe != nullptr && std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pipe == nullptr ? -1 : ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(ServerExclusivityTest, SecondServerOnTheSameDataDirOrPortRefusesToStart) {
  const std::string dir = MakeTempDir("evgen-twin");
  auto first = EvgendProcess::Start(dir + "/data");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(RunCliCapture((*first)->address(), {"datasets", "generate", "camel", "-n", "100", "--name", "c"}).code, 0);

  // The twin would have deleted the first one's staging files and marked
  // its jobs interrupted at start-up; it must refuse before touching anything.
  auto [code, output] = RunEvgend({"--listen", "127.0.0.1:0", "--data-dir", dir + "/data"});
  EXPECT_NE(code, 0) << output;
  EXPECT_NE(output.find("already in use by another evgend (pid " + std::to_string((*first)->pid())),
            std::string::npos) << output;

  // Nor may it share the first one's port (gRPC's default SO_REUSEPORT).
  std::tie(code, output) = RunEvgend({"--listen", (*first)->address(), "--data-dir", dir + "/other"});
  EXPECT_NE(code, 0) << output;
  EXPECT_NE(output.find("cannot listen on " + (*first)->address()), std::string::npos) << output;

  ASSERT_TRUE((*first)->running());
  EvgenClient client((*first)->address());
  EXPECT_TRUE(client.DescribeDataset("c").ok());

  // Once the first server is gone, the directory is free again.
  (*first)->Stop(SIGKILL);
  auto again = EvgendProcess::Start(dir + "/data");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(EvgenClient((*again)->address()).DescribeDataset("c").ok());
  again->reset();
  std::filesystem::remove_all(dir);
}

// A server with a small GAN: model samples make heavy calls of any size.
class HeavyCallsTest : public ::testing::Test {
 protected:
  static constexpr int kMaxHeavyCalls = 4;

  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-heavy"));
    auto server = EvgendProcess::Start(
        *dir_ + "/data", {"--max-heavy-calls", std::to_string(kMaxHeavyCalls), "--max-sample-rows",
                          "50000000", "--max-metric-rows", "50000000"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "qcd-multijet", "-n", "5000",
                                                 "--name", "qcd"}).code, 0);
    CliResult r = RunCliCapture(
        server_->address(),
        {"train", "wgan-gp", "--dataset", "qcd", "--name", "gan", "--seed", "4", "--wait", "--config",
         R"({"condition_columns": ["pt_gev", "eta", "n_track"], "target_columns": ["mass_gev"],
             "generator": {"hidden": [16]}, "discriminator": {"hidden": [16]}, "steps": 20, "batch_size": 128})"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  // HeavyCompare draws n GAN rows inside a Compare (a KS test on the mass).
  static v1::CompareRequest HeavyCompare(int64_t n) {
    v1::CompareRequest c;
    v1::ModelSamples* samples = c.mutable_candidate()->mutable_model_samples();
    samples->set_model("gan");
    samples->set_n(n);
    samples->set_seed(3);
    samples->mutable_conditions_from()->set_dataset("qcd");
    c.mutable_reference()->mutable_dataset()->set_dataset("qcd");
    v1::MetricSpec* metric = c.add_metrics();
    metric->set_name("ks");
    (*metric->mutable_options())["columns"] = "mass_gev";
    return c;
  }

  // CpuAfter waits `wait` and returns the server's CPU seconds over the
  // following `window`.
  static double CpuAfter(std::chrono::milliseconds wait, std::chrono::milliseconds window) {
    std::this_thread::sleep_for(wait);
    const double before = ProcessCpuSeconds(server_->pid());
    std::this_thread::sleep_for(window);
    return ProcessCpuSeconds(server_->pid()) - before;
  }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* HeavyCallsTest::dir_ = nullptr;
EvgendProcess* HeavyCallsTest::server_ = nullptr;

// The peer's finding: four Compare calls at 10^7 rows held the whole pool
// and a ListModels waited 175 s.
TEST_F(HeavyCallsTest, CheapCallsAnswerPromptlyWhileHeavyCallsRunAndExtraOnesAreRefused) {
  constexpr int64_t kRows = 12'000'000;  // 6e6 ended too soon once passes were 1024 rows
  std::atomic<int> finished{0};
  std::vector<absl::Status> results(kMaxHeavyCalls);
  std::vector<std::thread> heavy;
  for (int i = 0; i < kMaxHeavyCalls; ++i) {
    heavy.emplace_back([&, i] {
      EvgenClient client(server_->address());
      results[i] = client.Compare(HeavyCompare(kRows)).status();
      ++finished;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  EvgenClient client(server_->address());
  absl::Status refused = client.Compare(HeavyCompare(kRows)).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_NE(refused.message().find("(--max-heavy-calls 4)"), std::string::npos) << refused;

  std::vector<double> latencies_ms;
  for (int i = 0; i < 100; ++i) {
    const auto start = Clock::now();
    ASSERT_TRUE(client.ListModels("").ok());
    latencies_ms.push_back(1e3 * Seconds(Clock::now() - start));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The figures only mean something if the heavy calls ran all along.
  EXPECT_EQ(finished.load(), 0) << "the heavy calls ended before the measurement did; raise kRows";
  for (std::thread& t : heavy) t.join();
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const double p50 = latencies_ms[49], p99 = latencies_ms[98];
  std::printf("ListModels with %d heavy Compare calls running: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              kMaxHeavyCalls, p50, p99, latencies_ms.back());
  EXPECT_LT(p99, 100.0);
}

// The peer's finding: calls whose 3 s deadline expired kept the CPU busy for
// another 154 s.
TEST_F(HeavyCallsTest, ExpiredDeadlineOrCancelStopsTheServersWorkWithinASecond) {
  constexpr int64_t kRows = 20'000'000;
  {
    // Unstopped, the call runs for seconds: the checks below can fail.
    const auto start = Clock::now();
    EvgenClient client(server_->address());
    ASSERT_TRUE(client.Compare(HeavyCompare(kRows / 4)).ok());
    const double quarter = Seconds(Clock::now() - start);
    std::printf("a Compare over %lld GAN rows took %.2f s\n", static_cast<long long>(kRows / 4), quarter);
    ASSERT_GT(4 * quarter, 4.0) << "too quick to show that the work stopped";
  }
  {
    ClientOptions options;
    options.call_timeout = std::chrono::seconds(1);
    EvgenClient client(server_->address(), options);
    absl::Status s = client.Compare(HeavyCompare(kRows)).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
    const double cpu = CpuAfter(std::chrono::milliseconds(1000), std::chrono::milliseconds(1000));
    std::printf("server CPU in the second after the deadline + 1 s: %.3f s\n", cpu);
    EXPECT_LT(cpu, 0.1);
  }
  {
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    auto stub = v1::MetricsService::NewStub(channel);
    grpc::ClientContext context;
    v1::CompareResponse response;
    grpc::Status status;
    std::thread call([&] { status = stub->Compare(&context, HeavyCompare(kRows), &response); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    context.TryCancel();
    call.join();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
    const double cpu = CpuAfter(std::chrono::milliseconds(1000), std::chrono::milliseconds(1000));
    std::printf("server CPU in the second after a cancel + 1 s: %.3f s\n", cpu);
    EXPECT_LT(cpu, 0.1);
  }
  // The gate's places came back: a full set of heavy calls is admitted.
  EvgenClient client(server_->address());
  EXPECT_TRUE(client.Compare(HeavyCompare(1000)).ok());
}

// A client that goes away mid-stream (killed, so no cancel is sent: the
// server sees the connection drop) must free everything its stream held:
// the work stops, and every place in the heavy gate comes back.
TEST_F(HeavyCallsTest, ClientsKilledMidStreamFreeTheirPlacesAndStopTheWork) {
  std::vector<pid_t> clients;
  for (int i = 0; i < kMaxHeavyCalls; ++i) {
    const std::string out = absl::StrCat(*dir_, "/killed", i, ".npy");
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execl(EVGEN_CLI_PATH, EVGEN_CLI_PATH, "--server", server_->address().c_str(), "sample", "40000000",
              "--model", "gan", "--conditions-from", "qcd", "-o", out.c_str(), nullptr);
      std::_Exit(127);
    }
    ASSERT_GT(pid, 0);
    clients.push_back(pid);
  }
  // Mid-stream: the server is busy with them.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const double busy = CpuAfter(std::chrono::milliseconds(0), std::chrono::milliseconds(500));
  std::printf("server CPU over 0.5 s while %d clients stream: %.3f s\n", kMaxHeavyCalls, busy);
  ASSERT_GT(busy, 0.2) << "the streams should keep the server busy; the check below could not fail";
  for (pid_t pid : clients) ::kill(pid, SIGKILL);
  for (pid_t pid : clients) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status)) << "a client finished 40M rows before it was killed";
  }
  const double cpu = CpuAfter(std::chrono::milliseconds(1000), std::chrono::milliseconds(1000));
  std::printf("server CPU in the second after the clients were killed + 1 s: %.3f s\n", cpu);
  EXPECT_LT(cpu, 0.1);
  // Every place came back: a full set of heavy calls runs at once.
  std::vector<absl::Status> results(kMaxHeavyCalls);
  std::vector<std::thread> calls;
  for (int i = 0; i < kMaxHeavyCalls; ++i) {
    calls.emplace_back([&, i] { results[i] = EvgenClient(server_->address()).Compare(HeavyCompare(1000)).status(); });
  }
  for (std::thread& t : calls) t.join();
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  for (int i = 0; i < kMaxHeavyCalls; ++i) {
    EXPECT_FALSE(std::filesystem::exists(absl::StrCat(*dir_, "/killed", i, ".npy"))) << "half-written output";
  }
}

// The peer's finding: NaN or inf conditions gave NaN masses with status OK,
// and conditions far outside training gave masses down to -3e28.
TEST_F(HeavyCallsTest, GanConditionsMustBeFiniteAndOutOfRangeOnesAreFlaggedOrRefused) {
  EvgenClient client(server_->address());
  auto sample = [&](const Table& conditions, bool refuse, int64_t* flagged) {
    v1::SampleRequest r;
    r.set_model("gan");
    r.set_n(10);
    r.set_seed(1);
    r.set_refuse_out_of_range(refuse);
    EncodeTable(conditions, r.mutable_conditions_table());
    return client.Sample(r, [&](const v1::SampleChunk& chunk) {
      *flagged = chunk.conditions_out_of_range();
      return absl::OkStatus();
    });
  };
  int64_t flagged = -1;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    Table conditions({"pt_gev", "eta", "n_track"});
    conditions.AppendRow({500.f, 0.1f, 30.f});
    conditions.AppendRow({bad, 0.1f, 30.f});
    absl::Status s = sample(conditions, false, &flagged);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find("conditions_table: column 'pt_gev' row 1"), std::string::npos) << s;
    EXPECT_NE(s.message().find("finite"), std::string::npos) << s;
  }
  // Row 1 of 2 lies far outside the training range; rows 1, 3, ..., 9 of
  // the 10 take it.
  Table conditions({"pt_gev", "eta", "n_track"});
  conditions.AppendRow({500.f, 0.1f, 30.f});
  conditions.AppendRow({1e6f, 0.1f, 30.f});
  ASSERT_TRUE(sample(conditions, false, &flagged).ok());
  EXPECT_EQ(flagged, 5);
  absl::Status s = sample(conditions, true, &flagged);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("column 'pt_gev' row 1: 1e+06 outside the training range"), std::string::npos) << s;
  Table inside({"pt_gev", "eta", "n_track"});
  inside.AppendRow({500.f, 0.1f, 30.f});
  ASSERT_TRUE(sample(inside, true, &flagged).ok());
  EXPECT_EQ(flagged, 0);

  // The CLI says so, and refuses on request.
  const std::string path = *dir_ + "/far.csv";
  std::ofstream(path) << "pt_gev,eta,n_track\n500,0.1,30\n1000000,0.1,30\n";
  CliResult r = RunCliCapture(server_->address(),
                              {"sample", "10", "--model", "gan", "--conditions", path, "-o", *dir_ + "/far.npy"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: 5 of 10 rows have conditions outside the model's training range"),
            std::string::npos) << r.err;
  r = RunCliCapture(server_->address(), {"sample", "10", "--model", "gan", "--conditions", path,
                                         "--refuse-out-of-range", "-o", *dir_ + "/far2.npy"});
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(std::filesystem::exists(*dir_ + "/far2.npy"));
}

}  // namespace
}  // namespace evgen::testing
