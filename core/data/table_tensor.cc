#include "core/data/table_tensor.h"

#include <torch/torch.h>

#include "absl/strings/str_cat.h"

namespace evgen {

at::Tensor TableAsTensor(Table& table) {
  return torch::from_blob(table.mutable_values().data(), {table.num_rows(), table.num_columns()},
                          torch::TensorOptions().dtype(torch::kFloat32));
}

at::Tensor TableAsTensor(const Table& table) {
  return torch::from_blob(const_cast<float*>(table.values().data()), {table.num_rows(), table.num_columns()},
                          torch::TensorOptions().dtype(torch::kFloat32));
}

absl::StatusOr<Table> TensorToTable(const at::Tensor& tensor, std::vector<std::string> columns) {
  if (tensor.dim() != 2 || tensor.size(1) != static_cast<int64_t>(columns.size())) {
    return absl::InvalidArgumentError(absl::StrCat("tensor of shape ", tensor.dim() == 2 ? tensor.size(0) : -1,
                                                   " x ", tensor.dim() == 2 ? tensor.size(1) : -1,
                                                   " does not match ", columns.size(), " columns"));
  }
  at::Tensor cpu = tensor.to(torch::kCPU, torch::kFloat32).contiguous();
  std::vector<float> values(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
  return Table::Create(std::move(columns), std::move(values));
}

}  // namespace evgen
