// table_source.h: turns the TableSource / DatasetSelection / ModelSamples of a
// request into a core Table, with errors that name the request field.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "evgen/v1/common.pb.h"
#include "server/server_state.h"

namespace evgen {

// SelectDataset applies a DatasetSelection: region, derived columns, where,
// columns, max_rows, in that order. Messages name `field` (e.g.
// "reference.dataset.where").
[[nodiscard]] absl::StatusOr<Table> SelectDataset(ServerState& state,
                                                  const v1::DatasetSelection& selection,
                                                  const std::string& field);

// CheckChunkBytes resolves a requested max_chunk_bytes (0: the default) and
// checks it against the server's bounds.
[[nodiscard]] absl::StatusOr<int64_t> CheckChunkBytes(const ServerState& state, int64_t requested);

// CheckSampleCount enforces 1 <= n <= config.max_sample_rows.
[[nodiscard]] absl::Status CheckSampleCount(const ServerState& state, int64_t n, const std::string& field);

// CheckMetricRows enforces rows <= config.max_metric_rows for one side of a
// metric call, so a metric's memory is bounded by the configured rows.
[[nodiscard]] absl::Status CheckMetricRows(const ServerState& state, int64_t rows, const std::string& field);

// GenerateSamples draws all n rows of a ModelSamples source in memory (n at
// most config.max_metric_rows), adding the rows whose conditions lie
// outside the model's training range to *out_of_range when it is given.
[[nodiscard]] absl::StatusOr<Table> GenerateSamples(ServerState& state, const v1::ModelSamples& samples,
                                                    const std::string& field,
                                                    int64_t* out_of_range = nullptr);

// ResolveTableSource reads one side of a metric call, bounded by
// config.max_metric_rows.
[[nodiscard]] absl::StatusOr<Table> ResolveTableSource(ServerState& state,
                                                       const v1::TableSource& source,
                                                       const std::string& field,
                                                       int64_t* out_of_range = nullptr);

}  // namespace evgen
