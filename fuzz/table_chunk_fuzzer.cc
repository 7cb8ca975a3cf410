// table_chunk_fuzzer.cc: libFuzzer harness for the wire's chunk decoder
// (wire/table_codec.cc). The input is a serialized evgen.v1.TableChunk, as a
// peer sends it in an upload or a conditions table; bytes that protobuf
// cannot parse are not evgen's to judge and are skipped.
//
// A decoded table must encode back to the same chunk. RowsPerChunk is fed
// the chunk's numbers too: it must return at least one row, and more than
// one only when they fit the byte limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check_result.h"
#include "wire/table_codec.h"

namespace {

void CheckRoundTrip(const evgen::v1::TableChunk& chunk, const evgen::Table& table) {
  evgen::v1::TableChunk again;
  evgen::EncodeTable(table, &again);
  const bool same_columns = std::equal(again.columns().begin(), again.columns().end(),
                                       chunk.columns().begin(), chunk.columns().end());
  if (!same_columns || again.rows() != chunk.rows() || again.values() != chunk.values() ||
      again.weights() != chunk.weights()) {
    evgen::fuzz::Fail("a decoded chunk does not encode back to itself");
  }
}

void CheckRowsPerChunk(int columns, int64_t max_chunk_bytes) {
  const int64_t rows = evgen::RowsPerChunk(columns, max_chunk_bytes);
  const int64_t row_bytes = 4 * static_cast<int64_t>(std::max(1, columns));
  if (rows < 1) evgen::fuzz::Fail("RowsPerChunk returned no rows");
  if (rows > 1 && rows > max_chunk_bytes / row_bytes) {
    evgen::fuzz::Fail("RowsPerChunk returned more rows than fit the byte limit");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  evgen::v1::TableChunk chunk;
  if (!chunk.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<evgen::Table> table = evgen::DecodeTable(chunk, "chunk");
  evgen::fuzz::CheckResult(table, "chunk");
  if (table.ok()) CheckRoundTrip(chunk, *table);
  CheckRowsPerChunk(static_cast<int>(chunk.first_row()), chunk.rows());
  return 0;
}
