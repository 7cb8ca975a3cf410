#include "core/io/jetnet_writer.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/hdf5_table.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

// kBlockBytes bounds one block of converted jets (all five arrays), which is
// also one HDF5 chunk of each dataset; kMaxChunkJets keeps chunks of the
// usual P = 100 near 2.5 MB.
constexpr int64_t kBlockBytes = int64_t{4} << 20;
constexpr int64_t kMaxChunkJets = 1024;

// ChunkJets picks the jets per chunk: as many as fit kBlockBytes, at most
// kMaxChunkJets, and no more than the promised rows could make (a small
// sample then gets a small file).
int64_t ChunkJets(int64_t particles, int64_t rows) {
  const int64_t jet_bytes = (particles * (4 + 2) + 4 + 1) * static_cast<int64_t>(sizeof(float));
  return std::max<int64_t>(1, std::min({kBlockBytes / jet_bytes, kMaxChunkJets, rows}));
}

}  // namespace

// Impl holds the stream's state: the last jet's rows (`pending`), the block
// of converted jets not yet written, and the open file.
struct JetNetWriter::Impl {
  std::string path;
  std::vector<std::string> columns;
  int jet_column = 0;
  int64_t rows_expected = 0;
  int64_t rows_written = 0;
  int64_t particles = 0;
  int64_t chunk_jets = 0;
  std::optional<JetNetJetConverter> converter;
  Hdf5ArraysWriter file;
  bool open = false;
  // Dataset indices in `file`; -1 for the optional ones the table lacks.
  int particle_features = -1, jet_features = -1, log_pt = -1, log_e = -1, is_top = -1;
  JetNetArrays block;  // room for chunk_jets jets
  int64_t block_jets = 0;
  int64_t jets = 0;  // jets converted so far
  // pending holds the rows of the last jet seen, which the next rows may
  // continue; pending_first_row is its first row in the whole table.
  Table pending;
  int64_t pending_first_row = 0;

  absl::Status Start(const std::vector<std::string>& table_columns, const JetNetWriteOptions& options);
  absl::Status Take(const Table& rows);
  absl::Status Hold(const Table& rows, int64_t begin, int64_t end);
  absl::Status AddJet(const Table& rows, int64_t begin, int64_t end, int64_t first_row);
  absl::Status AddPending();
  absl::Status Flush();
  absl::Status Finish();
  // Fail drops the temporary file and returns `status`.
  absl::Status Fail(absl::Status status);
};

absl::Status JetNetWriter::Impl::Start(const std::vector<std::string>& table_columns,
                                       const JetNetWriteOptions& options) {
  EVGEN_ASSIGN_OR_RETURN(JetNetJetConverter made, JetNetJetConverter::Create(table_columns, options, path));
  converter.emplace(std::move(made));
  columns = table_columns;
  jet_column = static_cast<int>(std::find(columns.begin(), columns.end(), "jet") - columns.begin());
  particles = options.max_particles;
  chunk_jets = ChunkJets(particles, rows_expected);
  EVGEN_RETURN_IF_ERROR(converter->Allocate(chunk_jets, particles, &block));
  pending = Table(columns);
  EVGEN_RETURN_IF_ERROR(file.Open(path));
  // The datasets and their order are WriteJetNet's.
  EVGEN_ASSIGN_OR_RETURN(particle_features, file.AddDataset("particle_features", {particles, 4}, chunk_jets));
  EVGEN_ASSIGN_OR_RETURN(jet_features, file.AddDataset("jet_features", {4}, chunk_jets));
  EVGEN_ASSIGN_OR_RETURN(log_pt, file.AddDataset("particle_log_pt", {particles}, chunk_jets));
  if (converter->has_log_e()) {
    EVGEN_ASSIGN_OR_RETURN(log_e, file.AddDataset("particle_log_e", {particles}, chunk_jets));
  }
  if (converter->has_is_top()) {
    EVGEN_ASSIGN_OR_RETURN(is_top, file.AddDataset("jet_is_top", {}, chunk_jets));
  }
  return absl::OkStatus();
}

// Take converts the jets that `rows` complete and holds back the last one.
absl::Status JetNetWriter::Impl::Take(const Table& rows) {
  const int64_t n = rows.num_rows();
  int64_t begin = 0;
  if (pending.num_rows() > 0) {
    const float id = pending.at(0, jet_column);
    while (begin < n && rows.at(begin, jet_column) == id) ++begin;
    EVGEN_RETURN_IF_ERROR(Hold(rows, 0, begin));
    if (begin == n) return absl::OkStatus();
    EVGEN_RETURN_IF_ERROR(AddPending());
  }
  while (begin < n) {
    const int64_t end = converter->JetEnd(rows, begin);
    if (end == n) {
      pending_first_row = rows_written + begin;
      return Hold(rows, begin, end);
    }
    EVGEN_RETURN_IF_ERROR(AddJet(rows, begin, end, rows_written + begin));
    begin = end;
  }
  return absl::OkStatus();
}

// Hold adds rows [begin, end) to the pending jet, refusing it as soon as it
// outgrows P: its rows are all the memory that is not bounded otherwise.
absl::Status JetNetWriter::Impl::Hold(const Table& rows, int64_t begin, int64_t end) {
  // One row past P is enough to refuse the jet.
  end = std::min(end, begin + particles + 1 - pending.num_rows());
  for (int64_t r = begin; r < end; ++r) pending.AppendRow(rows.row(r));
  if (pending.num_rows() <= particles) return absl::OkStatus();
  return converter->TooManyConstituents(jets, pending_first_row, pending.num_rows(), particles, true);
}

absl::Status JetNetWriter::Impl::AddJet(const Table& rows, int64_t begin, int64_t end, int64_t first_row) {
  EVGEN_RETURN_IF_ERROR(converter->Convert(rows, begin, end, jets, first_row, block_jets, &block));
  ++jets;
  ++block_jets;
  return block_jets == chunk_jets ? Flush() : absl::OkStatus();
}

absl::Status JetNetWriter::Impl::AddPending() {
  EVGEN_RETURN_IF_ERROR(AddJet(pending, 0, pending.num_rows(), pending_first_row));
  pending.mutable_values().clear();  // keeps its capacity, at most P rows
  return absl::OkStatus();
}

// Flush appends the block's jets to the datasets: whole chunks, but for the
// last block.
absl::Status JetNetWriter::Impl::Flush() {
  const std::pair<int, const std::vector<float>*> arrays[] = {
      {particle_features, &block.particle_features}, {jet_features, &block.jet_features},
      {log_pt, &block.particle_log_pt},              {log_e, &block.particle_log_e},
      {is_top, &block.jet_is_top}};
  for (const auto& [index, values] : arrays) {
    if (index >= 0) EVGEN_RETURN_IF_ERROR(file.AppendRows(index, values->data(), block_jets));
  }
  block_jets = 0;
  return absl::OkStatus();
}

// Finish writes the last jet and block and publishes the file.
absl::Status JetNetWriter::Impl::Finish() {
  if (rows_written != rows_expected) {
    return absl::DataLossError(absl::StrCat(path, ": ", rows_written, " rows written, ", rows_expected,
                                            " promised; nothing was saved"));
  }
  if (pending.num_rows() > 0) EVGEN_RETURN_IF_ERROR(AddPending());
  EVGEN_RETURN_IF_ERROR(Flush());
  open = false;
  return file.Commit();  // removes the temporary file if it fails
}

absl::Status JetNetWriter::Impl::Fail(absl::Status status) {
  file.Abandon();
  open = false;
  pending = Table();
  return status;
}

JetNetWriter::JetNetWriter() : impl_(std::make_unique<Impl>()) {}
JetNetWriter::~JetNetWriter() = default;

absl::Status JetNetWriter::Open(const std::string& path, const std::vector<std::string>& columns,
                                int64_t rows, const JetNetWriteOptions& options) {
  impl_ = std::make_unique<Impl>();
  Impl& d = *impl_;
  d.path = path;
  d.rows_expected = rows;
  if (rows <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": nothing to write, the table has no rows"));
  }
  if (options.max_particles <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": max_particles=", options.max_particles, " cannot be streamed: 0 pads to the "
        "largest multiplicity, known only once every jet is in (WriteJetNet takes it)"));
  }
  absl::Status started = d.Start(columns, options);
  if (!started.ok()) return d.Fail(started);
  d.open = true;
  return absl::OkStatus();
}

absl::Status JetNetWriter::Append(const Table& rows) {
  Impl& d = *impl_;
  if (!d.open) {
    return absl::FailedPreconditionError(
        absl::StrCat("JetNetWriter", d.path.empty() ? "" : " for ", d.path, ": not open (or failed before)"));
  }
  if (rows.columns() != d.columns) {
    return d.Fail(absl::InvalidArgumentError(absl::StrCat(d.path, ": appended rows have columns [",
                                                          absl::StrJoin(rows.columns(), ", "), "], expected [",
                                                          absl::StrJoin(d.columns, ", "), "]")));
  }
  if (d.rows_written + rows.num_rows() > d.rows_expected) {
    return d.Fail(absl::OutOfRangeError(absl::StrCat(d.path, ": more than the promised ", d.rows_expected, " rows")));
  }
  absl::Status taken = d.Take(rows);
  if (!taken.ok()) return d.Fail(taken);
  d.rows_written += rows.num_rows();
  return absl::OkStatus();
}

absl::Status JetNetWriter::Commit() {
  Impl& d = *impl_;
  if (!d.open) {
    return absl::FailedPreconditionError(
        absl::StrCat("JetNetWriter", d.path.empty() ? "" : " for ", d.path, ": not open (or failed before)"));
  }
  absl::Status finished = d.Finish();
  if (!finished.ok()) return d.Fail(finished);
  return absl::OkStatus();
}

int64_t JetNetWriter::chunk_jets() const { return impl_->chunk_jets; }
int64_t JetNetWriter::held_rows() const { return impl_->pending.num_rows(); }
int64_t JetNetWriter::held_jets() const { return impl_->block_jets; }

}  // namespace evgen
