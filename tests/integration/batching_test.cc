// Dynamic batching through a real evgend: small Sample requests from
// concurrent clients share forward passes (the server's pass counters say
// so) and every client gets exactly the bytes it gets when it asks alone.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "client/evgen_client.h"
#include "tests/integration/evgend_process.h"
#include "tests/integration/metrics_scrape.h"
#include "wire/table_codec.h"

namespace evgen::testing {
namespace {

class BatchingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-batching"));
    // A request waits up to half a second for company, long enough for
    // eight clients started together to meet on a loaded machine.
    auto server = EvgendProcess::Start(*dir_ + "/data", {"--batch-delay-us", "500000"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    ASSERT_EQ(Cli({"datasets", "generate", "qcd-multijet", "-n", "4000", "--name", "qcd"}).code, 0);
    // The jet-mass GAN keeps dropout at sampling: noise, conditions and
    // dropout masks all differ per request in a shared pass.
    CliResult r = Cli({"train", "gan", "--dataset", "qcd", "--region", "control", "--name", "jm", "--config",
                       R"({"preset": "jetmass-gan-small", "steps": 20})", "--seed", "4", "--wait"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static CliResult Cli(const std::vector<std::string>& args) { return RunCliCapture(server_->address(), args); }

  static v1::SampleRequest Request(uint64_t seed) {
    v1::SampleRequest r;
    r.set_model("jm");
    r.set_n(40 + 11 * static_cast<int64_t>(seed));  // eight fit a 1024-row pass, at random phases
    r.set_seed(seed);
    r.mutable_conditions_from()->set_dataset("qcd");
    r.mutable_conditions_from()->set_region("validation");
    return r;
  }

  static std::vector<float> Collect(const v1::SampleRequest& r) {
    EvgenClient client(server_->address());
    std::vector<float> values;
    absl::Status s = client.Sample(r, [&](const v1::SampleChunk& chunk) {
      absl::StatusOr<Table> t = DecodeTable(chunk.table(), "table");
      if (!t.ok()) return t.status();
      values.insert(values.end(), t->values().begin(), t->values().end());
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return values;
  }

  struct Passes {
    double passes, shares;
  };
  static Passes Counters() {
    const std::string text = ScrapeMetrics(server_->metrics_port());
    return {MetricValue(text, "evgen_sample_batch_passes_total"),
            MetricValue(text, "evgen_sample_batch_shares_total")};
  }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* BatchingTest::dir_ = nullptr;
EvgendProcess* BatchingTest::server_ = nullptr;

TEST_F(BatchingTest, ConcurrentSmallRequestsSharePassesAndGetTheBytesTheyGetAlone) {
  constexpr int kClients = 8;
  const Passes start = Counters();
  ASSERT_GE(start.passes, 0) << "evgend exports no evgen_sample_batch_passes_total";
  std::vector<std::vector<float>> alone;
  for (int i = 0; i < kClients; ++i) alone.push_back(Collect(Request(i + 1)));
  const Passes after_alone = Counters();
  // One at a time, each small request is a pass of its own.
  EXPECT_EQ(after_alone.shares - start.shares, kClients);
  EXPECT_EQ(after_alone.passes - start.passes, kClients);

  std::vector<std::vector<float>> together(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&together, i] { together[i] = Collect(Request(i + 1)); });
  }
  for (std::thread& t : clients) t.join();
  const Passes after_together = Counters();
  for (int i = 0; i < kClients; ++i) {
    ASSERT_EQ(together[i].size(), alone[i].size()) << "client " << i;
    EXPECT_EQ(together[i], alone[i]) << "client " << i << ": batching changed its events";
    EXPECT_FALSE(alone[i].empty());
  }
  EXPECT_NE(alone[0], alone[1]);
  EXPECT_EQ(after_together.shares - after_alone.shares, kClients);
  EXPECT_LE(after_together.passes - after_alone.passes, kClients / 2)
      << "the eight requests were hardly merged";
}

}  // namespace
}  // namespace evgen::testing
