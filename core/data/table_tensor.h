// table_tensor.h: zero-copy views between Table and LibTorch tensors.
//
// A Table's values are a contiguous row-major float32 buffer, so a CPU tensor
// of shape [rows, columns] can alias it. The view borrows: it is valid only
// while the Table lives and is not resized. Kept in its own header so that
// most of core/ never includes <torch/torch.h>.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace at {
class Tensor;
}

namespace evgen {

// TableAsTensor returns a float32 CPU tensor [rows, columns] sharing memory
// with `table`.
at::Tensor TableAsTensor(Table& table);
// TableAsTensor of a const table is a read-only view: clone() it to keep or
// to write (LibTorch has no const tensors, so nothing stops a write).
at::Tensor TableAsTensor(const Table& table);

// TensorToTable copies a 2-D float tensor (any device) into a new Table.
[[nodiscard]] absl::StatusOr<Table> TensorToTable(const at::Tensor& tensor,
                                                  std::vector<std::string> columns);

}  // namespace evgen
