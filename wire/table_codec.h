// table_codec.h: Table <-> evgen.v1.TableChunk, and absl <-> gRPC status.
//
// Shared by the server and the client (it needs protobuf and evgen_io, never
// LibTorch). Values travel as little-endian float32 bytes, row-major.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "evgen/v1/common.pb.h"
#include "grpcpp/support/status.h"

namespace evgen {

// EncodeRows writes rows [begin, end) of `table` into `chunk`.
void EncodeRows(const Table& table, int64_t begin, int64_t end, v1::TableChunk* chunk);
inline void EncodeTable(const Table& table, v1::TableChunk* chunk) {
  EncodeRows(table, 0, table.num_rows(), chunk);
}

// DecodeTable validates a chunk (columns present, byte counts consistent with
// rows and columns) and returns its rows. `field` names it in errors.
[[nodiscard]] absl::StatusOr<Table> DecodeTable(const v1::TableChunk& chunk, const char* field);

// RowsPerChunk is how many rows of `columns` columns fit in max_chunk_bytes.
int64_t RowsPerChunk(int columns, int64_t max_chunk_bytes);

grpc::Status ToGrpcStatus(const absl::Status& status);
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace evgen
