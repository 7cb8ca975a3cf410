// Dynamic batching: requests whose partial blocks share a forward pass get
// exactly the bytes they would get alone, whatever shares the pass with them.
#include "core/sampling/sample_batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "core/models/model_registry.h"
#include "nlohmann/json.hpp"
#include "tests/unit/models/linear_toy.h"

namespace evgen {
namespace {

using nlohmann::json;

using testing::LinearToy;  // c uniform in [-1, 1], y = 2 c + 0.3 N(0, 1)

// A conditional generator with dropout kept at sampling (as the jet-mass
// GAN's), so that noise, conditions and dropout masks all come per share.
std::shared_ptr<const Model> FittedToy() {
  const json config = {{"condition_columns", {"c"}},
                       {"target_columns", {"y"}},
                       {"generator", {{"hidden", {32, 32}}, {"dropout", 0.5}}},
                       {"discriminator", {{"hidden", {16}}}},
                       {"sampling_dropout", true},
                       {"noise", {{"dim", 3}}},
                       {"batch_size", 64},
                       {"steps", 5}};
  auto model = CreateModel("gan", config);
  EXPECT_TRUE(model.ok()) << model.status();
  FitContext ctx;
  ctx.seed = 3;
  EXPECT_TRUE((*model)->Fit(LinearToy(500, 1), ctx).ok());
  return std::shared_ptr<const Model>(std::move(*model));
}

// Request: rows [first_row, first_row + rows) of stream seed.
struct Request {
  uint64_t seed;
  int64_t first_row, rows;
};

Table Alone(const Model& model, const Table& conditions, const Request& r) {
  auto t = model.Sample(conditions.SliceRows(0, r.rows), r.rows, r.seed, r.first_row);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

TEST(SampleBatcherTest, SharesOfOnePassAreTheBytesEachGetsAlone) {
  const std::shared_ptr<const Model> model = FittedToy();
  const int64_t block = model->sample_block_rows();
  ASSERT_GT(block, 1);
  // Seeds whose shares of a tenth of a pass at row 0 sit at disjoint
  // positions (the phases spread them), the first one wrapping around the
  // end of the pass.
  const int64_t rows = block / 10;
  const Table conditions = LinearToy(rows, 9);
  std::vector<Model::SampleShare> shares;
  std::vector<char> used(block, 0);
  for (uint64_t seed = 1; shares.size() < 6 && seed < 100000; ++seed) {
    const int64_t p = model->sample_block_phase(seed);
    if (shares.empty() && p + rows <= block) continue;
    bool free = true;
    for (int64_t k = 0; k < rows; ++k) free = free && !used[(p + k) % block];
    if (!free) continue;
    for (int64_t k = 0; k < rows; ++k) used[(p + k) % block] = 1;
    shares.push_back({&conditions, rows, seed, 0});
  }
  ASSERT_EQ(shares.size(), 6u);
  const std::vector<absl::StatusOr<Table>> together = model->SampleShared(shares);
  ASSERT_EQ(together.size(), shares.size());
  for (size_t i = 0; i < shares.size(); ++i) {
    ASSERT_TRUE(together[i].ok()) << together[i].status();
    EXPECT_EQ(together[i]->values(), Alone(*model, conditions, {shares[i].seed, 0, rows}).values())
        << "seed " << shares[i].seed;
  }
  // Different seeds really differ (the comparison above is not vacuous).
  EXPECT_NE(together[0]->values(), together[1]->values());
}

TEST(SampleBatcherTest, ConcurrentRequestsMergeAndGetTheirOwnBytes) {
  const std::shared_ptr<const Model> model = FittedToy();
  const int64_t block = model->sample_block_rows();
  const Table conditions = LinearToy(3 * block, 7);
  // Small requests within the first block, one that crosses a block
  // boundary, and one with a partial head, whole blocks and a partial tail
  // (sizes in 4096ths of a pass).
  auto part = [block](int64_t n) { return block * n / 4096; };
  std::vector<Request> requests;
  for (uint64_t seed = 100; seed < 124; ++seed) {
    const int64_t rows = std::vector<int64_t>{1, 17, part(250), part(900)}[seed % 4];
    requests.push_back({seed, static_cast<int64_t>(seed % 3) * part(1000), rows});
  }
  requests.push_back({7, block - part(100), part(300)});
  requests.push_back({8, 37, 2 * block + 5});

  std::vector<Table> expected;
  for (const Request& r : requests) expected.push_back(Alone(*model, conditions, r));

  auto counts = std::make_shared<BatchingCounts>();
  // One compute slot, as on a one-core server: whole blocks and shared
  // passes take turns, and the waiting requests still merge.
  SampleBatcher batcher(model, BatchingConfig{true, std::chrono::milliseconds(20), 1}, counts,
                        std::make_shared<ComputeSlots>(1));
  std::vector<Table> got(requests.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < requests.size(); ++i) {
    threads.emplace_back([&, i] {
      const Request& r = requests[i];
      auto t = batcher.Sample(conditions.SliceRows(0, r.rows), r.rows, r.seed, r.first_row);
      ASSERT_TRUE(t.ok()) << t.status();
      got[i] = *t;
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(got[i].values(), expected[i].values()) << "request " << i << " seed " << requests[i].seed;
    EXPECT_EQ(got[i].columns(), expected[i].columns());
  }
  // 28 partial shares (one per small request, two for each of the last
  // two) went through fewer passes than shares.
  EXPECT_EQ(counts->shares.load(), 28);
  EXPECT_LT(counts->passes.load(), counts->shares.load() / 2) << "passes " << counts->passes.load();
}

TEST(SampleBatcherTest, BatchingOffRunsEachRequestAlone) {
  const std::shared_ptr<const Model> model = FittedToy();
  const Table conditions = LinearToy(100, 7);
  auto counts = std::make_shared<BatchingCounts>();
  SampleBatcher batcher(model, BatchingConfig{false, {}}, counts);
  auto t = batcher.Sample(conditions, 100, 5, 0);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->values(), Alone(*model, conditions, {5, 0, 100}).values());
  EXPECT_EQ(counts->passes.load(), 0);
}

TEST(SampleBatcherTest, BadRequestsAreRefusedWithoutQueueing) {
  const std::shared_ptr<const Model> model = FittedToy();
  SampleBatcher batcher(model, BatchingConfig{}, std::make_shared<BatchingCounts>());
  const Table no_c({"y"});
  auto missing = batcher.Sample(no_c, 10, 5, 0);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("c"), std::string::npos) << missing.status();
}

TEST(SampleBatchersTest, OneBatcherPerModelWhileInUse) {
  const std::shared_ptr<const Model> a = FittedToy();
  const std::shared_ptr<const Model> b = FittedToy();
  SampleBatchers batchers(BatchingConfig{});
  std::shared_ptr<SampleBatcher> first = batchers.For(a);
  EXPECT_EQ(batchers.For(a), first);
  EXPECT_NE(batchers.For(b), first);
}

}  // namespace
}  // namespace evgen
