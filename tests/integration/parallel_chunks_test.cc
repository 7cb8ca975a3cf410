// A Sample stream produces several chunks at once when the compute slots
// outnumber each operation's threads (--heavy-threads 3 with
// --intra-op-threads 1: three chunks at a time) and must still deliver them
// in order with the bytes a one-chunk-at-a-time server gives; clients that
// stop reading mid-stream must give their places back.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "client/evgen_client.h"
#include "tests/integration/evgend_process.h"
#include "wire/table_codec.h"

namespace evgen::testing {
namespace {

struct Stream {
  std::vector<float> values;
  std::vector<int64_t> first_rows;
};

v1::SampleRequest Request() {
  v1::SampleRequest r;
  r.set_model("jm");
  r.set_n(50'000);
  r.set_seed(11);
  r.set_max_chunk_bytes(64 << 10);  // about a dozen chunks
  r.mutable_conditions_from()->set_dataset("qcd");
  return r;
}

absl::StatusOr<Stream> Collect(const EvgendProcess& server, const v1::SampleRequest& r) {
  EvgenClient client(server.address());
  Stream out;
  absl::Status s = client.Sample(r, [&](const v1::SampleChunk& chunk) {
    absl::StatusOr<Table> t = DecodeTable(chunk.table(), "table");
    if (!t.ok()) return t.status();
    out.first_rows.push_back(chunk.table().first_row());
    out.values.insert(out.values.end(), t->values().begin(), t->values().end());
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

TEST(ParallelChunksTest, ChunksProducedTogetherArriveInOrderWithTheSameBytes) {
  const std::string dir = MakeTempDir("evgen-parallel-chunks");
  Stream one_at_a_time;
  {
    auto server =
        EvgendProcess::Start(dir + "/data", {"--intra-op-threads", "1", "--heavy-threads", "1"});
    ASSERT_TRUE(server.ok()) << server.status();
    auto cli = [&](const std::vector<std::string>& args) {
      return RunCliCapture((*server)->address(), args);
    };
    ASSERT_EQ(cli({"datasets", "generate", "qcd-multijet", "-n", "4000", "--name", "qcd"}).code, 0);
    CliResult r = cli({"train", "gan", "--dataset", "qcd", "--name", "jm", "--config",
                       R"({"preset": "jetmass-gan-small", "steps": 10})", "--seed", "3", "--wait"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    absl::StatusOr<Stream> s = Collect(**server, Request());
    ASSERT_TRUE(s.ok()) << s.status();
    one_at_a_time = *std::move(s);
  }
  ASSERT_GE(one_at_a_time.first_rows.size(), 8u);

  // The same store under a server that produces three chunks at once and
  // admits only two heavy calls.
  auto server = EvgendProcess::Start(
      dir + "/data", {"--intra-op-threads", "1", "--heavy-threads", "3", "--max-heavy-calls", "2"});
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<Stream> together = Collect(**server, Request());
  ASSERT_TRUE(together.ok()) << together.status();
  EXPECT_EQ(together->first_rows, one_at_a_time.first_rows) << "chunks arrived out of order";
  EXPECT_EQ(together->values, one_at_a_time.values)
      << "producing chunks together changed the events";

  // Clients that stop after two chunks end their streams; were their places
  // kept, the third such client would be refused for good (two places). A
  // place comes back once the stream's chunks in production end, so a
  // refusal is retried for a while.
  for (int k = 0; k < 5; ++k) {
    int chunks = 0;
    absl::Status s;
    for (int attempt = 0; attempt < 100; ++attempt) {
      EvgenClient client((*server)->address());
      chunks = 0;
      s = client.Sample(Request(), [&](const v1::SampleChunk&) {
        return ++chunks < 2 ? absl::OkStatus() : absl::CancelledError("enough");
      });
      if (!absl::IsResourceExhausted(s)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(absl::IsCancelled(s)) << "client " << k << ": " << s;
    EXPECT_EQ(chunks, 2) << "client " << k;
  }
  // The last stopped client's chunks may still be in production (on a
  // loaded machine they were): its place comes back when they end.
  absl::StatusOr<Stream> after = Collect(**server, Request());
  for (int attempt = 0; attempt < 100 && absl::IsResourceExhausted(after.status()); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    after = Collect(**server, Request());
  }
  ASSERT_TRUE(after.ok()) << "after clients stopped mid-stream: " << after.status();
  EXPECT_EQ(after->values, one_at_a_time.values);
  server->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen::testing
