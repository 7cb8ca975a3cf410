// Sampling through a real evgend: bounded chunks, bounded client memory,
// byte-identical samples for the same seed.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "client/evgen_client.h"
#include "core/io/npy.h"
#include "core/random/counter_rng.h"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

class SamplingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-sampling"));
    auto server = EvgendProcess::Start(*dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "qcd-multijet", "-n", "20000",
                                                 "--name", "qcd"}).code, 0);
    CliResult train = RunCliCapture(server_->address(),
                                    {"train", "template", "--dataset", "qcd", "--name", "tpl", "--wait"});
    ASSERT_EQ(train.code, 0) << train.err;
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static v1::SampleRequest Request(int64_t n, uint64_t seed) {
    v1::SampleRequest r;
    r.set_model("tpl");
    r.set_n(n);
    r.set_seed(seed);
    r.mutable_conditions_from()->set_dataset("qcd");
    r.mutable_conditions_from()->set_region("validation");
    return r;
  }

  // Digest hashes every byte of a sample stream, checking chunk bounds.
  static uint64_t Digest(EvgenClient& client, const v1::SampleRequest& r, int64_t* rows,
                         size_t* largest_message) {
    uint64_t digest = 0;
    *rows = 0;
    *largest_message = 0;
    absl::Status s = client.Sample(r, [&](const v1::SampleChunk& chunk) {
      *largest_message = std::max(*largest_message, chunk.ByteSizeLong());
      EXPECT_EQ(chunk.table().first_row(), *rows);
      *rows += chunk.table().rows();
      for (unsigned char c : chunk.table().values()) digest = Mix64(digest ^ c);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return digest;
  }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* SamplingTest::dir_ = nullptr;
EvgendProcess* SamplingTest::server_ = nullptr;

TEST_F(SamplingTest, MillionMassesArriveInMessagesOfAtMostOneMiB) {
  EvgenClient client(server_->address());
  int64_t rows = 0;
  size_t largest = 0;
  Digest(client, Request(1'000'000, 5), &rows, &largest);
  EXPECT_EQ(rows, 1'000'000);
  EXPECT_LE(largest, size_t{1} << 20);
  EXPECT_GT(largest, size_t{1} << 19) << "chunks should be near the limit, not tiny";
}

TEST_F(SamplingTest, SameSeedGivesByteIdenticalSamples) {
  EvgenClient client(server_->address());
  int64_t rows = 0;
  size_t largest = 0;
  const uint64_t a = Digest(client, Request(300'000, 42), &rows, &largest);
  const uint64_t b = Digest(client, Request(300'000, 42), &rows, &largest);
  const uint64_t c = Digest(client, Request(300'000, 43), &rows, &largest);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // Smaller chunks must not change a single byte either.
  v1::SampleRequest small = Request(300'000, 42);
  small.set_max_chunk_bytes(64 * 1024);
  EXPECT_EQ(Digest(client, small, &rows, &largest), a);
  EXPECT_LE(largest, size_t{64} * 1024);
}


TEST_F(SamplingTest, CliMemoryStaysBoundedWhileWritingLargeSamples) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's shadow memory and quarantine make RSS meaningless";
#endif
  // 4 million rows x 3 float32 columns = 48 MB of output; a client that
  // buffered the stream would need at least that much more memory than one
  // writing a thousand rows.
  auto peak = [&](int64_t n, const std::string& out) {
    return CliPeakRssMiB(server_->address(), {"sample", std::to_string(n), "--model", "tpl", "--conditions-from",
                                              "qcd", "--region", "validation", "-o", out});
  };
  const long small = peak(1000, *dir_ + "/small.npy");
  const long big = peak(4'000'000, *dir_ + "/big.npy");
  ASSERT_GT(small, 0);
  ASSERT_GT(big, 0);
  EXPECT_LT(big - small, 16) << "client peak RSS " << big << " MiB for 48 MB vs " << small
                             << " MiB for 12 kB";
  absl::StatusOr<Table> written = ReadNpy(*dir_ + "/big.npy");
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->num_rows(), 4'000'000);
}

}  // namespace
}  // namespace evgen::testing
