#include "core/io/table_file.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/io/csv.h"
#include "core/io/npy.h"


#include "absl/strings/str_join.h"
#include "core/io/atomic_file.h"

namespace evgen {
namespace {

absl::Status UnknownFormat(const std::string& path) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": unknown table format; supported extensions are .csv and .npy"));
}

}  // namespace

absl::StatusOr<Table> ReadTableFile(const std::string& path) {
  if (absl::EndsWith(path, ".csv")) return ReadCsv(path);
  if (absl::EndsWith(path, ".npy")) return ReadNpy(path);
  return UnknownFormat(path);
}

absl::Status WriteTableFile(const std::string& path, const Table& table) {
  if (absl::EndsWith(path, ".csv")) return WriteCsv(path, table);
  if (absl::EndsWith(path, ".npy")) return WriteNpy(path, table);
  return UnknownFormat(path);
}

}  // namespace evgen

namespace evgen {

struct StreamingTableWriter::Impl {
  bool csv = false;
  NpyWriter npy;
  AtomicFileWriter text;
  std::vector<std::string> columns;
  int64_t rows_expected = 0;
  int64_t rows_written = 0;
};

StreamingTableWriter::StreamingTableWriter() : impl_(std::make_unique<Impl>()) {}
StreamingTableWriter::~StreamingTableWriter() = default;

absl::Status StreamingTableWriter::Open(const std::string& path, std::vector<std::string> columns,
                                        int64_t rows) {
  impl_->columns = columns;
  impl_->rows_expected = rows;
  if (absl::EndsWith(path, ".npy")) return impl_->npy.Open(path, std::move(columns), rows);
  if (!absl::EndsWith(path, ".csv")) return UnknownFormat(path);
  impl_->csv = true;
  absl::Status s = impl_->text.Open(path);
  if (!s.ok()) return s;
  return impl_->text.Write(absl::StrCat(absl::StrJoin(columns, ","), "\n"));
}

absl::Status StreamingTableWriter::Append(const Table& rows) {
  if (!impl_->csv) return impl_->npy.Append(rows);
  if (rows.columns() != impl_->columns) {
    return absl::InvalidArgumentError("csv: appended rows have different columns");
  }
  std::string out;
  AppendCsvRows(rows, &out);
  impl_->rows_written += rows.num_rows();
  return impl_->text.Write(out);
}

absl::Status StreamingTableWriter::Commit() {
  if (!impl_->csv) return impl_->npy.Commit();
  if (impl_->rows_written != impl_->rows_expected) {
    impl_->text.Abandon();
    return absl::DataLossError(absl::StrCat("csv: ", impl_->rows_written, " rows written, ",
                                            impl_->rows_expected, " promised; nothing was saved"));
  }
  return impl_->text.Commit();
}

}  // namespace evgen
