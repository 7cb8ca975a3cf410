// hdf5_table.h: HDF5 files <-> Table, through the HDF5 C library.
//
// Layout evgen writes (and reads back):
//   /table     dataset, float32 (little-endian IEEE), shape [rows, columns],
//              row-major; attribute "columns": 1-D array of `columns`
//              variable-length UTF-8 strings, the column names in order.
//   /weights   optional dataset, float32, shape [rows]: the event weights;
//              written only when the table has weights.
// Both dataset names are options ("dataset", "weights_dataset"); names with
// '/' live in groups. Reading accepts float32, float64 and integer 2-D
// datasets (converted to float32), and a "columns" attribute of variable- or
// fixed-length strings (h5py writes either); without the attribute the
// columns are named col0, col1, ...
//
// Errors (InvalidArgument unless said otherwise, each naming the file and the
// dataset): a missing file (NotFound), a file that is not HDF5, a truncated or
// corrupt HDF5 file, a missing dataset (listing the root's datasets), a
// dataset of rank other than 2 or with zero rows or columns, a non-numeric
// dataset, a "columns" attribute whose name count differs from the column
// count, a weights dataset of the wrong shape, a dataset or attribute that
// claims more values than the file could hold, and a malformed global heap
// (checked before libhdf5 reads variable-length names; hdf5_global_heap.h).
//
// Tables are written row block by row block (Hdf5TableWriter, which
// WriteHdf5Table uses too) into a temporary file beside the target, renamed
// onto it once complete; arrays whose length is known only at the end
// (Hdf5ArraysWriter) are streamed the same way into extendible datasets;
// other arrays (WriteHdf5Arrays) are built in memory (HDF5's core driver).
// Either way no half-written file is ever visible. The
// Debian HDF5 build is not thread-safe: every HDF5 call here runs under one
// process-wide mutex, and HDF5's automatic error printing is switched off
// for the duration of each call (errors come back as Status instead).
//
// Example:
//   EVGEN_RETURN_IF_ERROR(WriteHdf5Table("events.h5", table));
//   EVGEN_ASSIGN_OR_RETURN(Table back, ReadHdf5Table("events.h5"));
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

struct Hdf5TableOptions {
  std::string dataset = "table";
  std::string weights_dataset = "weights";
};

// ParseHdf5TableOptions reads the keys "dataset" and "weights_dataset";
// unknown keys are InvalidArgument naming them.
[[nodiscard]] absl::StatusOr<Hdf5TableOptions> ParseHdf5TableOptions(
    const std::map<std::string, std::string>& options);

[[nodiscard]] absl::StatusOr<Table> ReadHdf5Table(const std::string& path,
                                                  const Hdf5TableOptions& options = {});
[[nodiscard]] absl::StatusOr<Table> ReadHdf5TableWithOptions(
    const std::string& path, const std::map<std::string, std::string>& options);
[[nodiscard]] absl::Status WriteHdf5Table(const std::string& path, const Table& table,
                                          const Hdf5TableOptions& options = {});

// Hdf5TableWriter streams a table of known size into the layout above: the
// datasets are created with their full shape when the file is opened (the
// weights and exact-integer datasets, and the category attributes, when the
// first rows show the table has them; later rows must agree) and each
// appended block is written as a hyperslab, so memory does not grow with the
// rows. The file is written to a temporary file beside `path` and renamed
// onto it at Commit(); an abandoned or failed write removes it.
class Hdf5TableWriter {
 public:
  Hdf5TableWriter();
  ~Hdf5TableWriter();
  Hdf5TableWriter(const Hdf5TableWriter&) = delete;
  Hdf5TableWriter& operator=(const Hdf5TableWriter&) = delete;

  [[nodiscard]] absl::Status Open(const std::string& path, const std::vector<std::string>& columns,
                                  int64_t rows, const Hdf5TableOptions& options = {});
  [[nodiscard]] absl::Status Append(const Table& rows);
  // Commit publishes the file once exactly the promised rows are in.
  [[nodiscard]] absl::Status Commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Hdf5Array is one N-D float32 dataset, row-major; the building block of the
// table and JetNet layouts.
struct Hdf5Array {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
  // column_names, when not empty, is written as the "columns" attribute.
  std::vector<std::string> column_names{};
  // store_float64 writes the dataset as float64 (for tools that want double;
  // the values still pass through float32).
  bool store_float64 = false;
  // int64_values, when not empty, is the dataset's content instead of
  // `values`, written and read as exact int64 (identifier columns).
  std::vector<int64_t> int64_values{};
  // string_attributes are variable-length UTF-8 string attributes; Read
  // fills the ones evgen writes (category_labels, category_columns).
  std::map<std::string, std::vector<std::string>> string_attributes{};
};

// WriteHdf5Arrays writes the arrays as datasets (float32 unless
// store_float64) of one new file, atomically.
[[nodiscard]] absl::Status WriteHdf5Arrays(const std::string& path,
                                           const std::vector<Hdf5Array>& arrays);

// Hdf5ArraysWriter streams float32 arrays whose first dimension is not known
// until the end (JetNet's jets: jetnet_writer.h). Each dataset is created
// extendible along it and chunked by `chunk_rows` rows; AppendRows grows it
// and writes a block at its end, so memory holds at most a block and
// libhdf5's chunk caches. The file is a temporary one beside `path`, renamed
// onto it at Commit(); Abandon(), a failed Commit or the destructor remove
// it, leaving `path` untouched.
//
// Example:
//   Hdf5ArraysWriter out;
//   EVGEN_RETURN_IF_ERROR(out.Open("jets.h5"));
//   EVGEN_ASSIGN_OR_RETURN(int jets, out.AddDataset("jet_features", {4}, 1024));
//   EVGEN_RETURN_IF_ERROR(out.AppendRows(jets, values.data(), 10));  // 10 x 4
//   EVGEN_RETURN_IF_ERROR(out.Commit());
class Hdf5ArraysWriter {
 public:
  Hdf5ArraysWriter();
  ~Hdf5ArraysWriter();
  Hdf5ArraysWriter(const Hdf5ArraysWriter&) = delete;
  Hdf5ArraysWriter& operator=(const Hdf5ArraysWriter&) = delete;

  [[nodiscard]] absl::Status Open(const std::string& path);
  // AddDataset creates `name` of shape [0, inner...] and returns the index
  // AppendRows takes. A chunk (chunk_rows x inner float32) must be under 4
  // GiB, libhdf5's limit.
  [[nodiscard]] absl::StatusOr<int> AddDataset(const std::string& name,
                                               const std::vector<int64_t>& inner,
                                               int64_t chunk_rows);
  // AppendRows writes `rows` rows (rows x prod(inner) values, row-major)
  // after the rows already in dataset `index`.
  [[nodiscard]] absl::Status AppendRows(int index, const float* values, int64_t rows);
  [[nodiscard]] absl::Status Commit();
  void Abandon();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Hdf5File reads datasets of an existing file as float32 arrays.
class Hdf5File {
 public:
  // Open: NotFound for a missing file, InvalidArgument for one that is not
  // HDF5 or cannot be opened (truncated, corrupt).
  [[nodiscard]] static absl::StatusOr<Hdf5File> Open(const std::string& path);
  Hdf5File(Hdf5File&& other) noexcept;
  Hdf5File& operator=(Hdf5File&& other) noexcept;
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;
  ~Hdf5File();

  bool Has(const std::string& dataset) const;
  // DatasetNames lists the datasets directly under the root group.
  std::vector<std::string> DatasetNames() const;
  // Read returns the dataset converted to float32 (float and integer types),
  // with its "columns" attribute when it has one. Dimensions whose product
  // overflows, or that claim more values than the file could hold (one per
  // byte, or 1032 per byte for a compressed dataset: deflate's limit), are
  // InvalidArgument, checked before anything is allocated.
  [[nodiscard]] absl::StatusOr<Hdf5Array> Read(const std::string& dataset) const;
  // ReadInt64 is Read for an integer dataset kept exactly (int64_values).
  [[nodiscard]] absl::StatusOr<Hdf5Array> ReadInt64(const std::string& dataset) const;
  const std::string& path() const { return path_; }

 private:
  Hdf5File() = default;
  [[nodiscard]] absl::StatusOr<Hdf5Array> ReadAs(const std::string& dataset, bool as_int64) const;
  std::string path_;
  int64_t file_ = -1;  // hid_t
  // file_bytes_ bounds what a dataset of this file can hold (see Read).
  int64_t file_bytes_ = 0;
};

}  // namespace evgen
