// SIGTERM drains: a sample stream in flight when evgend is told to stop
// finishes whole within --drain-seconds, new calls are refused meanwhile,
// and evgend exits 0 once the stream is done.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "client/evgen_client.h"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

TEST(DrainTest, SigtermLetsAStreamInFlightFinishAndRefusesNewCalls) {
  const std::string dir = MakeTempDir("evgen-drain");
  auto server = EvgendProcess::Start(dir + "/data", {"--drain-seconds", "30"});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();
  ASSERT_EQ(RunCliCapture(address, {"datasets", "generate", "qcd-multijet", "-n", "20000", "--name", "qcd"}).code, 0);
  ASSERT_EQ(RunCliCapture(address, {"train", "template", "--dataset", "qcd", "--name", "tpl", "--wait"}).code, 0);

  constexpr int64_t kRows = 3'000'000;
  v1::SampleRequest request;
  request.set_model("tpl");
  request.set_n(kRows);
  request.set_seed(1);
  request.mutable_conditions_from()->set_dataset("qcd");
  request.mutable_conditions_from()->set_region("validation");
  std::atomic<int64_t> received{0};
  absl::Status streamed;
  std::thread stream([&] {
    EvgenClient client(address);
    streamed = client.Sample(request, [&](const v1::SampleChunk& chunk) {
      received += chunk.table().rows();
      // A slow reader: the stream is still in flight when the stop comes.
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
      return absl::OkStatus();
    });
  });
  while (received == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::atomic<int> exit_code{-1};
  std::thread stopper([&] { exit_code = (*server)->Stop(SIGTERM); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(received.load(), kRows) << "the stream must still run when the stop comes";
  EvgenClient late(address);
  const absl::Status refused = late.ListModels("").status();
  EXPECT_TRUE(absl::IsUnavailable(refused)) << "a draining server takes no new calls: " << refused;
  stream.join();
  stopper.join();
  EXPECT_TRUE(streamed.ok()) << streamed;
  EXPECT_EQ(received.load(), kRows) << "the stream in flight finished whole";
  EXPECT_EQ(exit_code.load(), 0);
  std::filesystem::remove_all(dir);
}

TEST(DrainTest, TheNoticeWindowTurnsHealthNotServingWhileCallsAreStillTaken) {
  const std::string dir = MakeTempDir("evgen-drain-notice");
  auto server = EvgendProcess::Start(dir + "/data", {"--drain-notice-seconds", "3", "--drain-seconds", "5"});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();
  std::atomic<int> exit_code{-1};
  const auto signalled = std::chrono::steady_clock::now();
  std::thread stopper([&] { exit_code = (*server)->Stop(SIGTERM); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EvgenClient client(address);
  EXPECT_EQ(client.Health("").value_or("?"), "NOT_SERVING") << "from the signal on";
  const CliResult health = RunCliCapture(address, {"health"});
  EXPECT_EQ(health.code, 1) << "`evgen health` (the image's health check) fails while draining";
  EXPECT_EQ(health.out, "NOT_SERVING\n");
  EXPECT_TRUE(client.ListModels("").ok()) << "calls are still taken during the notice";
  stopper.join();
  EXPECT_GE(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(3));
  EXPECT_EQ(exit_code.load(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen::testing
