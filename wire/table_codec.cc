#include "wire/table_codec.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/io/checked_size.h"
#include "core/io/column_names.h"
#include "core/status_macros.h"

namespace evgen {

// The wire is little-endian; evgen targets x86-64 and aarch64 Linux, both
// little-endian, so bytes are copied as they are.
static_assert(sizeof(float) == 4, "float32 expected");

void EncodeRows(const Table& table, int64_t begin, int64_t end, v1::TableChunk* chunk) {
  chunk->Clear();
  for (const std::string& c : table.columns()) chunk->add_columns(c);
  const int64_t rows = std::max<int64_t>(0, end - begin);
  chunk->set_rows(rows);
  chunk->set_first_row(begin);
  chunk->set_values(reinterpret_cast<const char*>(table.row(begin)),
                    static_cast<size_t>(rows * table.num_columns()) * sizeof(float));
  if (table.has_weights()) {
    chunk->set_weights(reinterpret_cast<const char*>(table.weights().data() + begin),
                       static_cast<size_t>(rows) * sizeof(float));
  }
  for (const auto& [name, exact] : table.int64_columns()) {
    v1::Int64Column* column = chunk->add_int64_columns();
    column->set_name(name);
    column->mutable_values()->Add(exact.begin() + begin, exact.begin() + begin + rows);
  }
  for (const std::string& label : table.category_labels()) chunk->add_category_labels(label);
  for (const std::string& c : table.category_columns()) chunk->add_category_columns(c);
}

namespace {

// DecodeTypes gives `table` the chunk's exact integer columns and
// categories, each checked against the table (the peer may send anything).
absl::Status DecodeTypes(const v1::TableChunk& chunk, const char* field, Table* table) {
  for (const v1::Int64Column& column : chunk.int64_columns()) {
    if (table->int64_column(column.name()) != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".int64_columns: column '",
                                                     column.name(), "' appears twice"));
    }
    absl::Status s = table->SetInt64Column(
        column.name(), std::vector<int64_t>(column.values().begin(), column.values().end()));
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ".int64_columns: ", s.message()));
  }
  if (chunk.category_labels().empty() && chunk.category_columns().empty()) return absl::OkStatus();
  absl::Status s = table->SetCategories(
      std::vector<std::string>(chunk.category_labels().begin(), chunk.category_labels().end()),
      std::vector<std::string>(chunk.category_columns().begin(), chunk.category_columns().end()));
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ".category_labels: ", s.message()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Table> DecodeTable(const v1::TableChunk& chunk, const char* field) {
  if (chunk.columns().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".columns: must name at least one column"));
  }
  std::vector<std::string> columns(chunk.columns().begin(), chunk.columns().end());
  EVGEN_RETURN_IF_ERROR(CheckColumnNames(columns, absl::StrCat(field, ".columns")));
  if (chunk.rows() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".rows: must be >= 0, got ", chunk.rows()));
  }
  // rows comes from the peer: unchecked, rows = 2^62 with one column wraps
  // the byte count to 0 and an empty chunk would claim 2^62 rows.
  EVGEN_ASSIGN_OR_RETURN(const int64_t n_bytes,
                         CheckedProduct({chunk.rows(), chunk.columns_size(), 4},
                                        absl::StrCat(field, ".values: rows x columns x 4 bytes")));
  if (static_cast<uint64_t>(chunk.values().size()) != static_cast<uint64_t>(n_bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".values: holds ", chunk.values().size(), " bytes; rows (", chunk.rows(),
        ") x columns (", chunk.columns_size(), ") x 4 = ", n_bytes));
  }
  // Cannot fail once the values' product fit, as columns >= 1.
  EVGEN_ASSIGN_OR_RETURN(const int64_t weight_bytes,
                         CheckedMul(chunk.rows(), 4, absl::StrCat(field, ".weights: rows x 4 bytes")));
  if (!chunk.weights().empty() &&
      static_cast<uint64_t>(chunk.weights().size()) != static_cast<uint64_t>(weight_bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".weights: holds ", chunk.weights().size(),
                                                   " bytes, expected 4 per row or none"));
  }
  // Both sizes now equal bytes the chunk holds, so nothing below allocates
  // more than the message itself.
  std::vector<float> values(static_cast<size_t>(n_bytes) / sizeof(float));
  if (n_bytes > 0) std::memcpy(values.data(), chunk.values().data(), static_cast<size_t>(n_bytes));
  std::vector<float> weights(chunk.weights().size() / sizeof(float));
  if (!weights.empty()) std::memcpy(weights.data(), chunk.weights().data(), chunk.weights().size());
  EVGEN_ASSIGN_OR_RETURN(Table table,
                         Table::Create(std::move(columns), std::move(values), std::move(weights)));
  EVGEN_RETURN_IF_ERROR(DecodeTypes(chunk, field, &table));
  return table;
}

int64_t RowsPerChunk(int columns, int64_t max_chunk_bytes) {
  // columns is an int, so 4 * columns needs no overflow check in int64_t;
  // a row wider than the limit (or a limit <= 0) still travels, one per chunk.
  const int64_t row_bytes = static_cast<int64_t>(sizeof(float)) * std::max(1, columns);
  return std::max<int64_t>(1, max_chunk_bytes / row_bytes);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // The message travels in a header (8 KiB by default for all of them): a
  // message that quotes a long user value must not push the reply past it.
  constexpr size_t kMaxMessageBytes = 2048;
  std::string message(status.message());
  if (message.size() > kMaxMessageBytes) {
    message = absl::StrCat(message.substr(0, kMaxMessageBytes), "... (message cut at ", kMaxMessageBytes,
                           " of ", message.size(), " bytes)");
  }
  // absl::StatusCode values follow google.rpc.Code, as grpc::StatusCode does.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace evgen
