#include "core/data/table_tensor.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/data/device.h"

namespace evgen {
namespace {

TEST(TableTensorTest, TensorAliasesTheTableWithoutACopy) {
  Table t({"a", "b"});
  t.AppendRow({1.f, 2.f});
  t.AppendRow({3.f, 4.f});
  at::Tensor view = TableAsTensor(t);
  EXPECT_EQ(view.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(view.data_ptr<float>(), t.values().data());
  view.mul_(2);
  EXPECT_EQ(t.values(), (std::vector<float>{2, 4, 6, 8}));
  EXPECT_FLOAT_EQ(view.sum(0)[1].item<float>(), 12.f);
}

TEST(TableTensorTest, TensorToTableCopiesAndChecksShape) {
  at::Tensor x = torch::arange(6, torch::kFloat64).reshape({3, 2});
  absl::StatusOr<Table> t = TensorToTable(x, {"u", "v"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->values(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(TensorToTable(x, {"u"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TensorToTable(torch::zeros({4}), {"u"}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DeviceTest, ResolvesCpuAndRejectsUnknownNames) {
  absl::StatusOr<DeviceInfo> cpu = ResolveDevice("cpu");
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(cpu->name, "cpu");
  EXPECT_TRUE(ResolveDevice("auto").ok());
  absl::Status bad = ResolveDevice("tpu").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("auto, cpu, cuda"), std::string::npos);
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(ResolveDevice("cuda").status().code(), absl::StatusCode::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace evgen
