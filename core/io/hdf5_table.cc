#include "core/io/hdf5_table.h"

#include <hdf5.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/atomic_file.h"
#include "core/io/checked_size.h"
#include "core/io/column_names.h"
#include "core/io/hdf5_global_heap.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

std::mutex& Hdf5Mutex() {
  static std::mutex mutex;
  return mutex;
}

// Hdf5Call serialises HDF5 use (the Debian build is not thread-safe) and
// silences HDF5's error-stack printing while it lives.
class Hdf5Call {
 public:
  Hdf5Call() : lock_(Hdf5Mutex()) {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Hdf5Call() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  Hdf5Call(const Hdf5Call&) = delete;
  Hdf5Call& operator=(const Hdf5Call&) = delete;

 private:
  std::lock_guard<std::mutex> lock_;
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Handle closes an HDF5 id with its matching close function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// kMaxFilterExpansion is how many bytes one byte of a filtered (compressed)
// dataset may decode to: deflate, the filter HDF5 files use, cannot exceed
// 1032. Any larger claim is a corrupt or hostile file, found before the
// values are allocated.
constexpr int64_t kMaxFilterExpansion = 1032;

// kMaxValues caps one dataset however large the file (64 GiB of float32).
constexpr int64_t kMaxValues = int64_t{1} << 34;

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

herr_t CollectName(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

// ReadStringAttribute reads a string attribute ("columns": the column
// names). Attributes are never compressed, so their strings cannot take more
// bytes than the file has.
absl::StatusOr<std::vector<std::string>> ReadStringAttribute(hid_t dataset, const char* name,
                                                             const std::string& path,
                                                             int64_t file_bytes,
                                                             const std::string& where) {
  Handle attr(H5Aopen(dataset, name, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": cannot open attribute '", name, "'"));
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (!type.ok() || !space.ok() || H5Tget_class(type.get()) != H5T_STRING) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": attribute '", name, "' must hold strings"));
  }
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || n > 10000000 || n > file_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": attribute '", name, "' is malformed"));
  }
  std::vector<std::string> names;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::vector<char*> pointers(static_cast<size_t>(n), nullptr);
    // The names live in the global heap, whose walk libhdf5 does not check.
    EVGEN_RETURN_IF_ERROR(CheckGlobalHeaps(path));
    if (H5Aread(attr.get(), mem.get(), pointers.data()) < 0) {
      // A read that failed part-way may have allocated some of the strings.
      H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, pointers.data());
      return absl::InvalidArgumentError(absl::StrCat(where, ": cannot read attribute '", name, "'"));
    }
    for (char* p : pointers) names.emplace_back(p == nullptr ? "" : p);
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, pointers.data());
  } else {
    const size_t size = H5Tget_size(type.get());
    if (size == 0 || size > 65536) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": attribute '", name, "' is malformed"));
    }
    EVGEN_ASSIGN_OR_RETURN(
        const int64_t bytes,
        CheckedMul(n, static_cast<int64_t>(size), absl::StrCat(where, ": attribute '", name, "' strings x bytes")));
    if (bytes > file_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": attribute '", name, "' claims ", n,
                                                     " names of ", size, " bytes, more than the ",
                                                     file_bytes, "-byte file holds"));
    }
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), size);
    std::vector<char> buffer(static_cast<size_t>(bytes), '\0');
    if (H5Aread(attr.get(), mem.get(), buffer.data()) < 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": cannot read attribute '", name, "'"));
    }
    for (hssize_t i = 0; i < n; ++i) {
      const char* begin = buffer.data() + static_cast<size_t>(i) * size;
      size_t len = 0;
      while (len < size && begin[len] != '\0') ++len;
      names.emplace_back(absl::StripTrailingAsciiWhitespace(absl::string_view(begin, len)));
    }
  }
  return names;
}

// CheckDatasetFits rejects a dataset whose shape claims more values than the
// file could hold (see kMaxFilterExpansion), or more than kMaxValues.
absl::Status CheckDatasetFits(hid_t dataset, int64_t values, int64_t file_bytes,
                              const std::vector<int64_t>& shape, const std::string& where) {
  Handle plist(H5Dget_create_plist(dataset), H5Pclose);
  const bool filtered = !plist.ok() || H5Pget_nfilters(plist.get()) != 0;
  const int64_t per_byte = filtered ? kMaxFilterExpansion : 1;
  EVGEN_ASSIGN_OR_RETURN(const int64_t most,
                         CheckedMul(file_bytes, per_byte, absl::StrCat(where, ": file size")));
  if (values > most) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " claims shape ", ShapeText(shape), " (", values, " values), more than the ",
        file_bytes, "-byte file can hold", filtered ? " even compressed" : "",
        " (truncated or corrupt file?)"));
  }
  if (values > kMaxValues) {
    return absl::ResourceExhaustedError(
        absl::StrCat(where, " is too large to load (", values, " values, at most ", kMaxValues, ")"));
  }
  return absl::OkStatus();
}

// CheckStorage rejects a compact or contiguous dataset whose stored bytes
// cannot hold its shape, or lie past the end of the file: libhdf5 1.10 reads
// such a dataset from a buffer that is not there (a compact dataset of 0
// stored bytes crashed the reader). Chunked storage holds less when
// compressed or partly written, and is left to libhdf5.
absl::Status CheckStorage(hid_t dataset, hid_t plist, size_t value_bytes, int64_t values,
                          int64_t file_bytes, const std::string& where) {
  const H5D_layout_t layout = H5Pget_layout(plist);
  if (values == 0 || (layout != H5D_COMPACT && layout != H5D_CONTIGUOUS)) return absl::OkStatus();
  EVGEN_ASSIGN_OR_RETURN(const int64_t need,
                         CheckedMul(values, static_cast<int64_t>(value_bytes),
                                    absl::StrCat(where, ": values x bytes per value")));
  const uint64_t stored = H5Dget_storage_size(dataset);
  const haddr_t offset = layout == H5D_CONTIGUOUS ? H5Dget_offset(dataset) : 0;
  const bool outside = layout == H5D_CONTIGUOUS &&
                       (offset == HADDR_UNDEF || offset > static_cast<uint64_t>(file_bytes) ||
                        stored > static_cast<uint64_t>(file_bytes) - offset);
  if (stored < static_cast<uint64_t>(need) || outside) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " stores ", stored, " bytes", outside ? " outside the file" : "", " for ", values,
        " values of ", value_bytes, " bytes (truncated or corrupt file?)"));
  }
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------
// Hdf5File.

absl::StatusOr<Hdf5File> Hdf5File::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  char probe = 0;
  const size_t got = std::fread(&probe, 1, 1, f);
  const bool sized = std::fseek(f, 0, SEEK_END) == 0;
  const long file_bytes = sized ? std::ftell(f) : -1;
  std::fclose(f);
  if (got == 0) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  if (file_bytes <= 0) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot tell its size"));
  Hdf5Call call;
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not an HDF5 file (no HDF5 signature)"));
  }
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open as HDF5: the file is truncated or corrupt"));
  }
  Hdf5File out;
  out.path_ = path;
  out.file_ = file;
  out.file_bytes_ = file_bytes;
  return out;
}

Hdf5File::Hdf5File(Hdf5File&& other) noexcept
    : path_(std::move(other.path_)),
      file_(std::exchange(other.file_, -1)),
      file_bytes_(other.file_bytes_) {}

Hdf5File& Hdf5File::operator=(Hdf5File&& other) noexcept {
  if (this != &other) {
    if (file_ >= 0) {
      Hdf5Call call;
      H5Fclose(file_);
    }
    path_ = std::move(other.path_);
    file_ = std::exchange(other.file_, -1);
    file_bytes_ = other.file_bytes_;
  }
  return *this;
}

Hdf5File::~Hdf5File() {
  if (file_ >= 0) {
    Hdf5Call call;
    H5Fclose(file_);
  }
}

bool Hdf5File::Has(const std::string& dataset) const {
  if (dataset.empty()) return false;
  Hdf5Call call;
  // H5Lexists needs every intermediate group to exist; check each prefix.
  size_t pos = 0;
  while (true) {
    size_t slash = dataset.find('/', pos + 1);
    std::string prefix = dataset.substr(0, slash);
    if (!prefix.empty() && prefix != "/" && H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) {
      return false;
    }
    if (slash == std::string::npos) break;
    pos = slash;
  }
  return H5Oexists_by_name(file_, dataset.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> Hdf5File::DatasetNames() const {
  Hdf5Call call;
  std::vector<std::string> names;
  hsize_t index = 0;
  H5Literate(file_, H5_INDEX_NAME, H5_ITER_INC, &index, CollectName, &names);
  return names;
}

absl::StatusOr<Hdf5Array> Hdf5File::Read(const std::string& dataset) const {
  return ReadAs(dataset, false);
}

absl::StatusOr<Hdf5Array> Hdf5File::ReadInt64(const std::string& dataset) const {
  return ReadAs(dataset, true);
}

absl::StatusOr<Hdf5Array> Hdf5File::ReadAs(const std::string& dataset, bool as_int64) const {
  const std::string where = absl::StrCat(path_, ": dataset '", dataset, "'");
  if (!Has(dataset)) {
    std::vector<std::string> names = DatasetNames();
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": no dataset '", dataset, "'; the file has ",
                     names.empty() ? "nothing at its root" : absl::StrJoin(names, ", ")));
  }
  Hdf5Call call;
  Handle d(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat(where, " is not a dataset"));
  Handle type(H5Dget_type(d.get()), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " does not hold numbers (expected float32 or float64)"));
  }
  Handle space(H5Dget_space(d.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 32) return absl::InvalidArgumentError(absl::StrCat(where, ": bad dataspace"));
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Hdf5Array out;
  out.name = dataset;
  int64_t total = 1;
  for (hsize_t dim : dims) {
    EVGEN_ASSIGN_OR_RETURN(const int64_t d64, CheckedToInt64(dim, absl::StrCat(where, ": dimension")));
    out.shape.push_back(d64);
    EVGEN_ASSIGN_OR_RETURN(total, CheckedMul(total, d64, absl::StrCat(where, ": values")));
  }
  EVGEN_RETURN_IF_ERROR(CheckDatasetFits(d.get(), total, file_bytes_, out.shape, where));
  Handle plist(H5Dget_create_plist(d.get()), H5Pclose);
  if (!plist.ok()) return absl::InvalidArgumentError(absl::StrCat(where, " has no storage layout"));
  EVGEN_RETURN_IF_ERROR(
      CheckStorage(d.get(), plist.get(), H5Tget_size(type.get()), total, file_bytes_, where));
  if (as_int64 && type_class != H5T_INTEGER) {
    return absl::InvalidArgumentError(absl::StrCat(where, " does not hold integers"));
  }
  herr_t read = 0;
  if (as_int64) {
    out.int64_values.resize(static_cast<size_t>(total));
    if (total > 0) {
      read = H5Dread(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.int64_values.data());
    }
  } else {
    out.values.resize(static_cast<size_t>(total));
    if (total > 0) read = H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data());
  }
  if (read < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": reading the values failed (truncated or corrupt file?)"));
  }
  for (const char* name : {"category_labels", "category_columns"}) {
    if (H5Aexists(d.get(), name) > 0) {
      EVGEN_ASSIGN_OR_RETURN(out.string_attributes[name],
                             ReadStringAttribute(d.get(), name, path_, file_bytes_, where));
    }
  }
  if (H5Aexists(d.get(), "columns") > 0) {
    EVGEN_ASSIGN_OR_RETURN(out.column_names,
                           ReadStringAttribute(d.get(), "columns", path_, file_bytes_, where));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Writing.

namespace {

// Timeless returns a new creation property list of class `cls` (file,
// group or dataset) whose objects carry no times: HDF5 stamps every object
// header with its creation and modification times by default, and then
// the same rows written twice (one sample, one seed) differ in bytes.
hid_t Timeless(hid_t cls) {
  const hid_t list = H5Pcreate(cls);
  if (list >= 0) H5Pset_obj_track_times(list, 0);
  return list;
}

// CreateTimeless creates dataset `name` (under an Hdf5Call) with the
// groups above it that are missing, all without times: the intermediate
// groups a link creation list makes would carry them.
hid_t CreateTimeless(hid_t file, const std::string& name, hid_t type, hid_t space, hid_t dcpl) {
  const Handle gcpl(Timeless(H5P_GROUP_CREATE), H5Pclose);
  for (size_t slash = name.find('/', 1); slash != std::string::npos; slash = name.find('/', slash + 1)) {
    const std::string group = name.substr(0, slash);
    if (H5Lexists(file, group.c_str(), H5P_DEFAULT) > 0) continue;
    Handle made(H5Gcreate2(file, group.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose);
    if (!made.ok()) return -1;
  }
  H5Pset_obj_track_times(dcpl, 0);
  return H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
}

// WriteStringAttribute writes `strings` as a variable-length UTF-8 string
// attribute of `dataset`.
absl::Status WriteStringAttribute(hid_t dataset, const char* name,
                                  const std::vector<std::string>& strings, const std::string& where) {
  Handle str(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(str.get(), H5T_VARIABLE);
  H5Tset_cset(str.get(), H5T_CSET_UTF8);
  hsize_t n = strings.size();
  Handle aspace(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attr(H5Acreate2(dataset, name, str.get(), aspace.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  std::vector<const char*> pointers;
  for (const std::string& c : strings) pointers.push_back(c.c_str());
  if (!attr.ok() || H5Awrite(attr.get(), str.get(), pointers.data()) < 0) {
    return absl::InternalError(absl::StrCat(where, ": writing attribute '", name, "' failed"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteHdf5Arrays(const std::string& path, const std::vector<Hdf5Array>& arrays) {
  std::string image;
  {
    Hdf5Call call;
    static std::atomic<int64_t> counter{0};
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    // The core driver keeps the file in memory (no backing store); its image
    // is then written atomically.
    H5Pset_fapl_core(fapl.get(), size_t{1} << 20, 0);
    const std::string name = absl::StrCat("evgen-memory-", counter++, ".h5");
    Handle fcpl(Timeless(H5P_FILE_CREATE), H5Pclose);
    Handle file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
    if (!file.ok()) return absl::InternalError(absl::StrCat(path, ": cannot create an HDF5 image"));
    for (const Hdf5Array& a : arrays) {
      const std::string where = absl::StrCat(path, ": dataset '", a.name, "'");
      uint64_t total = 1;
      std::vector<hsize_t> dims;
      for (int64_t dim : a.shape) {
        if (dim < 0) return absl::InvalidArgumentError(absl::StrCat(where, ": negative dimension"));
        dims.push_back(static_cast<hsize_t>(dim));
        total *= static_cast<uint64_t>(dim);
      }
      const bool int64 = !a.int64_values.empty();
      if (total != (int64 ? a.int64_values.size() : a.values.size())) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": shape ", ShapeText(a.shape),
                                                       " needs ", total, " values, got ",
                                                       int64 ? a.int64_values.size() : a.values.size()));
      }
      Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
      const hid_t file_type =
          int64 ? H5T_STD_I64LE : (a.store_float64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE);
      Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
      Handle d(space.ok() ? CreateTimeless(file.get(), a.name, file_type, space.get(), dcpl.get()) : -1, H5Dclose);
      if (!space.ok() || !d.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": cannot create the dataset"));
      }
      const herr_t written =
          total == 0 ? 0
          : int64    ? H5Dwrite(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.int64_values.data())
                     : H5Dwrite(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data());
      if (written < 0) return absl::InternalError(absl::StrCat(where, ": writing the values failed"));
      if (!a.column_names.empty()) {
        EVGEN_RETURN_IF_ERROR(WriteStringAttribute(d.get(), "columns", a.column_names, where));
      }
      for (const auto& [attribute, strings] : a.string_attributes) {
        EVGEN_RETURN_IF_ERROR(WriteStringAttribute(d.get(), attribute.c_str(), strings, where));
      }
    }
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) {
      return absl::InternalError(absl::StrCat(path, ": flushing the HDF5 image failed"));
    }
    const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
    if (size <= 0) return absl::InternalError(absl::StrCat(path, ": cannot get the HDF5 image"));
    image.resize(static_cast<size_t>(size));
    if (H5Fget_file_image(file.get(), image.data(), image.size()) != size) {
      return absl::InternalError(absl::StrCat(path, ": cannot copy the HDF5 image"));
    }
  }
  return WriteFileAtomically(path, image);
}

// ---------------------------------------------------------------------------
// Tables.

absl::StatusOr<Hdf5TableOptions> ParseHdf5TableOptions(
    const std::map<std::string, std::string>& options) {
  Hdf5TableOptions out;
  for (const auto& [key, value] : options) {
    if (key == "dataset") {
      out.dataset = value;
    } else if (key == "weights_dataset") {
      out.weights_dataset = value;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '", key, "'; known options: dataset, weights_dataset"));
    }
  }
  if (out.dataset.empty()) return absl::InvalidArgumentError("option dataset: empty name");
  return out;
}

namespace {

// ExactDatasetName names the dataset of a table's exact integer columns.
std::string ExactDatasetName(const Hdf5TableOptions& options) { return options.dataset + "_int64"; }

// ReadTypes gives `table` the exact integer columns and the categories an
// evgen-written file holds (WriteHdf5Table), each checked against the table.
absl::Status ReadTypes(const Hdf5File& file, const Hdf5TableOptions& options,
                       const std::map<std::string, std::vector<std::string>>& attributes,
                       Table* table) {
  const std::string where = absl::StrCat(file.path(), ": dataset '", ExactDatasetName(options), "'");
  if (file.Has(ExactDatasetName(options))) {
    EVGEN_ASSIGN_OR_RETURN(Hdf5Array exact, file.ReadInt64(ExactDatasetName(options)));
    const int64_t k = static_cast<int64_t>(exact.column_names.size());
    if (exact.shape.size() != 2 || exact.shape[0] != table->num_rows() || exact.shape[1] != k) {
      return absl::InvalidArgumentError(absl::StrCat(where, " has shape ", ShapeText(exact.shape),
                                                     ", expected [", table->num_rows(), ", ", k,
                                                     "] (one value per row and named column)"));
    }
    for (int64_t c = 0; c < k; ++c) {
      std::vector<int64_t> values(static_cast<size_t>(table->num_rows()));
      for (int64_t r = 0; r < table->num_rows(); ++r) values[r] = exact.int64_values[r * k + c];
      absl::Status s = table->SetInt64Column(exact.column_names[c], std::move(values));
      if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", s.message()));
    }
  }
  auto labels = attributes.find("category_labels");
  auto columns = attributes.find("category_columns");
  if (labels == attributes.end() && columns == attributes.end()) return absl::OkStatus();
  if (labels == attributes.end() || columns == attributes.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.path(), ": dataset '", options.dataset,
        "' has only one of the attributes category_labels and category_columns"));
  }
  absl::Status s = table->SetCategories(labels->second, columns->second);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.path(), ": dataset '", options.dataset, "': ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Table> ReadHdf5Table(const std::string& path, const Hdf5TableOptions& options) {
  EVGEN_ASSIGN_OR_RETURN(Hdf5File file, Hdf5File::Open(path));
  EVGEN_ASSIGN_OR_RETURN(Hdf5Array array, file.Read(options.dataset));
  const std::string where = absl::StrCat(path, ": dataset '", options.dataset, "'");
  if (array.shape.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(where, " has rank ", array.shape.size(),
                                                   " (shape ", ShapeText(array.shape),
                                                   "), expected 2: [rows, columns]"));
  }
  const int64_t rows = array.shape[0], cols = array.shape[1];
  if (rows == 0 || cols == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " is empty (shape ", ShapeText(array.shape), ")"));
  }
  std::vector<std::string> names = std::move(array.column_names);
  if (names.empty()) {
    for (int64_t c = 0; c < cols; ++c) names.push_back(absl::StrCat("col", c));
  } else if (static_cast<int64_t>(names.size()) != cols) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": attribute 'columns' has ", names.size(),
                                                   " names, dataset '", options.dataset,
                                                   "' has ", cols, " columns"));
  }
  EVGEN_RETURN_IF_ERROR(CheckColumnNames(names, absl::StrCat(path, ": attribute 'columns'")));
  std::vector<float> weights;
  if (!options.weights_dataset.empty() && file.Has(options.weights_dataset)) {
    EVGEN_ASSIGN_OR_RETURN(Hdf5Array w, file.Read(options.weights_dataset));
    if (w.shape.size() != 1 || w.shape[0] != rows) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": weights dataset '", options.weights_dataset, "' has shape ",
          ShapeText(w.shape), ", expected [", rows, "] (one weight per row)"));
    }
    weights = std::move(w.values);
  }
  EVGEN_ASSIGN_OR_RETURN(Table table,
                         Table::Create(std::move(names), std::move(array.values), std::move(weights)));
  EVGEN_RETURN_IF_ERROR(ReadTypes(file, options, array.string_attributes, &table));
  return table;
}

absl::StatusOr<Table> ReadHdf5TableWithOptions(const std::string& path,
                                    const std::map<std::string, std::string>& options) {
  EVGEN_ASSIGN_OR_RETURN(Hdf5TableOptions parsed, ParseHdf5TableOptions(options));
  return ReadHdf5Table(path, parsed);
}

absl::Status WriteHdf5Table(const std::string& path, const Table& table,
                            const Hdf5TableOptions& options) {
  Hdf5TableWriter writer;
  EVGEN_RETURN_IF_ERROR(writer.Open(path, table.columns(), table.num_rows(), options));
  EVGEN_RETURN_IF_ERROR(writer.Append(table));
  return writer.Commit();
}

// ---------------------------------------------------------------------------
// Streamed tables.

namespace {

// WriteRows writes `n` rows of shape `inner` (empty: a 1-D dataset) from
// `data` into rows first..first+n-1 of `dataset`.
absl::Status WriteRows(hid_t dataset, hid_t memory_type, const void* data, int64_t first, int64_t n,
                       const std::vector<hsize_t>& inner, const std::string& where) {
  std::vector<hsize_t> start(inner.size() + 1, 0), count = {static_cast<hsize_t>(n)};
  start[0] = static_cast<hsize_t>(first);
  count.insert(count.end(), inner.begin(), inner.end());
  Handle file_space(H5Dget_space(dataset), H5Sclose);
  Handle memory_space(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose);
  if (!file_space.ok() || !memory_space.ok() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                          nullptr) < 0 ||
      H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, data) < 0) {
    return absl::InternalError(
        absl::StrCat(where, ": writing rows ", first + 1, "..", first + n, " failed"));
  }
  return absl::OkStatus();
}

// WriteRowBlock is WriteRows for a table: rows of `cols` values (cols 0: a
// 1-D dataset).
absl::Status WriteRowBlock(hid_t dataset, hid_t memory_type, const void* data, int64_t first,
                           int64_t n, int64_t cols, const std::string& where) {
  std::vector<hsize_t> inner;
  if (cols > 0) inner.push_back(static_cast<hsize_t>(cols));
  return WriteRows(dataset, memory_type, data, first, n, inner, where);
}

}  // namespace

// TempHdf5File is what both streaming writers write to: an HDF5 file
// created as a temporary beside `path` (exclusively, so never someone
// else's), removed on failure and renamed onto `path` once complete.
struct TempHdf5File {
  std::string path;
  std::string temp_path;
  hid_t file = -1;

  // Create starts the temporary file for `target`.
  absl::Status Create(const std::string& target);
  // CloseWith closes `datasets` and the file (false if closing the file
  // failed) and, when `remove`, deletes the temporary file.
  bool CloseWith(const std::vector<hid_t*>& datasets, bool remove);
  // Publish flushes and closes everything and renames the file onto path;
  // on failure nothing is left.
  absl::Status Publish(const std::vector<hid_t*>& datasets);
};

absl::Status TempHdf5File::Create(const std::string& target) {
  path = target;
  temp_path = TempPathFor(target);
  Hdf5Call call;
  Handle fcpl(Timeless(H5P_FILE_CREATE), H5Pclose);
  file = H5Fcreate(temp_path.c_str(), H5F_ACC_EXCL, fcpl.get(), H5P_DEFAULT);
  if (file >= 0) return absl::OkStatus();
  const std::string temp = std::exchange(temp_path, "");  // not ours to remove
  return absl::PermissionDeniedError(absl::StrCat("cannot create ", temp, " for writing ", target));
}

bool TempHdf5File::CloseWith(const std::vector<hid_t*>& datasets, bool remove) {
  bool closed = true;
  if (file >= 0) {
    Hdf5Call call;
    for (hid_t* d : datasets) {
      if (*d >= 0) closed = H5Dclose(*d) >= 0 && closed;
      *d = -1;
    }
    closed = H5Fclose(file) >= 0 && closed;
    file = -1;
  }
  if (remove && !temp_path.empty()) std::remove(temp_path.c_str());
  if (remove) temp_path.clear();
  return closed;
}

absl::Status TempHdf5File::Publish(const std::vector<hid_t*>& datasets) {
  bool flushed = false;
  {
    Hdf5Call call;
    flushed = H5Fflush(file, H5F_SCOPE_GLOBAL) >= 0;
  }
  const std::string temp = temp_path;
  if (!flushed || !CloseWith(datasets, false)) {
    CloseWith(datasets, true);
    return absl::InternalError(absl::StrCat(path, ": writing the HDF5 file failed"));
  }
  temp_path.clear();  // PublishTempFile renames it, or removes it on failure
  return PublishTempFile(temp, path);
}

// Impl holds the open file and datasets (HDF5 ids, closed under Hdf5Call).
struct Hdf5TableWriter::Impl : TempHdf5File {
  Hdf5TableOptions options;
  std::vector<std::string> columns;
  int64_t rows_expected = 0;
  int64_t rows_written = 0;
  hid_t table = -1, weights = -1, exact = -1;
  // The first rows decide the weights, exact columns and categories.
  bool started = false;
  bool weighted = false;
  std::vector<std::string> exact_columns;
  std::vector<std::string> labels, category_columns;

  ~Impl() { Close(true); }
  // Close closes every id (false if closing the file failed) and, when
  // `remove`, deletes the temporary file.
  bool Close(bool remove);
  hid_t CreateDataset(const std::string& name, hid_t type, std::vector<hsize_t> dims);
  absl::Status Start(const Table& rows);
  absl::Status CheckSameTypes(const Table& rows) const;
  absl::Status WriteBlock(const Table& rows);
};

bool Hdf5TableWriter::Impl::Close(bool remove) { return CloseWith({&table, &weights, &exact}, remove); }

namespace {
// kChunkBytes is about the size of one chunk of a streamed dataset.
constexpr int64_t kChunkBytes = int64_t{1} << 20;
}  // namespace

// CreateDataset makes a dataset of its final shape (under an Hdf5Call),
// chunked by rows: only the chunks written take space, so a promised row
// count (which may come from a peer) sizes nothing on disk, and values are
// never pre-filled, as every row gets written.
hid_t Hdf5TableWriter::Impl::CreateDataset(const std::string& name, hid_t type,
                                           std::vector<hsize_t> dims) {
  const hsize_t row_bytes = H5Tget_size(type) * (dims.size() > 1 ? dims[1] : 1);
  std::vector<hsize_t> chunk = dims;
  chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], kChunkBytes / std::max<hsize_t>(1, row_bytes)));
  for (size_t i = 1; i < chunk.size(); ++i) chunk[i] = std::max<hsize_t>(1, dims[i]);
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
  H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
  if (!space.ok()) return -1;
  return CreateTimeless(file, name, type, space.get(), dcpl.get());
}

// Start creates what the first rows show the table has besides its values.
absl::Status Hdf5TableWriter::Impl::Start(const Table& rows) {
  started = true;
  weighted = rows.has_weights();
  for (const auto& [name, values] : rows.int64_columns()) exact_columns.push_back(name);
  labels = rows.category_labels();
  category_columns = rows.category_columns();
  const hsize_t n = static_cast<hsize_t>(rows_expected);
  if (weighted) {
    if (options.weights_dataset.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": the table has weights but weights_dataset is empty"));
    }
    weights = CreateDataset(options.weights_dataset, H5T_IEEE_F32LE, {n});
    if (weights < 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot create dataset '",
                                                     options.weights_dataset, "'"));
    }
  }
  if (!exact_columns.empty()) {
    const std::string name = ExactDatasetName(options);
    exact = CreateDataset(name, H5T_STD_I64LE, {n, exact_columns.size()});
    if (exact < 0) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot create dataset '", name, "'"));
    EVGEN_RETURN_IF_ERROR(WriteStringAttribute(exact, "columns", exact_columns,
                                               absl::StrCat(path, ": dataset '", name, "'")));
  }
  if (!category_columns.empty()) {
    const std::string where = absl::StrCat(path, ": dataset '", options.dataset, "'");
    EVGEN_RETURN_IF_ERROR(WriteStringAttribute(table, "category_labels", labels, where));
    EVGEN_RETURN_IF_ERROR(WriteStringAttribute(table, "category_columns", category_columns, where));
  }
  return absl::OkStatus();
}

absl::Status Hdf5TableWriter::Impl::CheckSameTypes(const Table& rows) const {
  const std::string which = absl::StrCat(path, ": rows ", rows_written + 1, "..", rows_written + rows.num_rows());
  if (rows.has_weights() != weighted) {
    return absl::InvalidArgumentError(absl::StrCat(
        which, weighted ? " have no weights, the rows before had" : " have weights, the rows before had none"));
  }
  std::vector<std::string> exact_names;
  for (const auto& [name, values] : rows.int64_columns()) exact_names.push_back(name);
  if (exact_names != exact_columns) {
    return absl::InvalidArgumentError(absl::StrCat(which, " have exact integer columns [",
                                                   absl::StrJoin(exact_names, ", "), "], the rows before [",
                                                   absl::StrJoin(exact_columns, ", "), "]"));
  }
  if (rows.category_labels() != labels || rows.category_columns() != category_columns) {
    return absl::InvalidArgumentError(absl::StrCat(which, " have other category labels than the rows before"));
  }
  return absl::OkStatus();
}

absl::Status Hdf5TableWriter::Impl::WriteBlock(const Table& rows) {
  const int64_t n = rows.num_rows();
  const std::string where = absl::StrCat(path, ": dataset '", options.dataset, "'");
  EVGEN_RETURN_IF_ERROR(WriteRowBlock(table, H5T_NATIVE_FLOAT, rows.values().data(), rows_written, n,
                                      rows.num_columns(), where));
  if (weighted) {
    EVGEN_RETURN_IF_ERROR(WriteRowBlock(weights, H5T_NATIVE_FLOAT, rows.weights().data(), rows_written,
                                        n, 0, absl::StrCat(path, ": dataset '", options.weights_dataset, "'")));
  }
  if (!exact_columns.empty()) {
    // Row-major [n, k], in the columns' (sorted) order, as the names say.
    const int64_t k = static_cast<int64_t>(exact_columns.size());
    std::vector<int64_t> values(static_cast<size_t>(n * k));
    int64_t c = 0;
    for (const auto& [name, column] : rows.int64_columns()) {
      for (int64_t r = 0; r < n; ++r) values[r * k + c] = column[r];
      ++c;
    }
    EVGEN_RETURN_IF_ERROR(WriteRowBlock(exact, H5T_NATIVE_INT64, values.data(), rows_written, n, k,
                                        absl::StrCat(path, ": dataset '", ExactDatasetName(options), "'")));
  }
  return absl::OkStatus();
}

Hdf5TableWriter::Hdf5TableWriter() : impl_(std::make_unique<Impl>()) {}
Hdf5TableWriter::~Hdf5TableWriter() = default;

absl::Status Hdf5TableWriter::Open(const std::string& path, const std::vector<std::string>& columns,
                                   int64_t rows, const Hdf5TableOptions& options) {
  impl_ = std::make_unique<Impl>();
  Impl& d = *impl_;
  if (rows <= 0 || columns.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": nothing to write, the table has no rows"));
  }
  if (options.dataset.empty() || options.dataset == options.weights_dataset) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the dataset and weights dataset need distinct, non-empty names"));
  }
  d.options = options;
  d.columns = columns;
  d.rows_expected = rows;
  EVGEN_RETURN_IF_ERROR(d.Create(path));
  Hdf5Call call;
  d.table = d.CreateDataset(options.dataset, H5T_IEEE_F32LE,
                            {static_cast<hsize_t>(rows), static_cast<hsize_t>(columns.size())});
  const std::string where = absl::StrCat(path, ": dataset '", options.dataset, "'");
  if (d.table < 0) return absl::InvalidArgumentError(absl::StrCat(where, ": cannot create the dataset"));
  return WriteStringAttribute(d.table, "columns", columns, where);
}

absl::Status Hdf5TableWriter::Append(const Table& rows) {
  Impl& d = *impl_;
  if (d.file < 0) return absl::FailedPreconditionError("Hdf5TableWriter: not open");
  if (rows.columns() != d.columns) {
    return absl::InvalidArgumentError(absl::StrCat(d.path, ": appended rows have columns [",
                                                   absl::StrJoin(rows.columns(), ", "), "], expected [",
                                                   absl::StrJoin(d.columns, ", "), "]"));
  }
  if (rows.num_rows() == 0) return absl::OkStatus();
  if (d.rows_written + rows.num_rows() > d.rows_expected) {
    return absl::OutOfRangeError(absl::StrCat(d.path, ": more than the promised ", d.rows_expected, " rows"));
  }
  Hdf5Call call;
  if (!d.started) EVGEN_RETURN_IF_ERROR(d.Start(rows));
  EVGEN_RETURN_IF_ERROR(d.CheckSameTypes(rows));
  EVGEN_RETURN_IF_ERROR(d.WriteBlock(rows));
  d.rows_written += rows.num_rows();
  return absl::OkStatus();
}

absl::Status Hdf5TableWriter::Commit() {
  Impl& d = *impl_;
  if (d.file < 0) return absl::FailedPreconditionError("Hdf5TableWriter: not open");
  if (d.rows_written != d.rows_expected) {
    d.Close(true);
    return absl::DataLossError(absl::StrCat(d.path, ": ", d.rows_written, " rows written, ",
                                            d.rows_expected, " promised; nothing was saved"));
  }
  return d.Publish({&d.table, &d.weights, &d.exact});
}

// ---------------------------------------------------------------------------
// Streamed arrays.

// Impl holds the open file and its datasets (HDF5 ids, closed under
// Hdf5Call).
struct Hdf5ArraysWriter::Impl : TempHdf5File {
  struct Dataset {
    std::string name;
    hid_t id = -1;
    std::vector<hsize_t> inner;  // the shape after the first dimension
    int64_t rows = 0;
  };
  std::vector<Dataset> datasets;

  ~Impl() { Close(true); }
  bool Close(bool remove) { return CloseWith(Ids(), remove); }
  std::vector<hid_t*> Ids() {
    std::vector<hid_t*> ids;
    for (Dataset& d : datasets) ids.push_back(&d.id);
    return ids;
  }
};

Hdf5ArraysWriter::Hdf5ArraysWriter() : impl_(std::make_unique<Impl>()) {}
Hdf5ArraysWriter::~Hdf5ArraysWriter() = default;

absl::Status Hdf5ArraysWriter::Open(const std::string& path) {
  impl_ = std::make_unique<Impl>();
  Impl& d = *impl_;
  return d.Create(path);
}

absl::StatusOr<int> Hdf5ArraysWriter::AddDataset(const std::string& name,
                                                 const std::vector<int64_t>& inner,
                                                 int64_t chunk_rows) {
  Impl& d = *impl_;
  if (d.file < 0) return absl::FailedPreconditionError("Hdf5ArraysWriter: not open");
  const std::string where = absl::StrCat(d.path, ": dataset '", name, "'");
  // libhdf5 refuses chunks of 4 GiB or more.
  EVGEN_ASSIGN_OR_RETURN(int64_t chunk_bytes, CheckedMul(chunk_rows, 4, where));
  std::vector<hsize_t> dims = {0}, max_dims = {H5S_UNLIMITED}, chunk = {static_cast<hsize_t>(chunk_rows)};
  for (int64_t n : inner) {
    EVGEN_ASSIGN_OR_RETURN(chunk_bytes, CheckedMul(chunk_bytes, n, where));
    dims.push_back(static_cast<hsize_t>(n));
    max_dims.push_back(static_cast<hsize_t>(n));
    chunk.push_back(static_cast<hsize_t>(n));
  }
  if (chunk_rows <= 0 || chunk_bytes <= 0 || chunk_bytes >= (int64_t{1} << 32)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": chunks of ", chunk_rows, " rows of shape ",
                                                   ShapeText(inner), " must hold 1 byte to 4 GiB"));
  }
  Hdf5Call call;
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max_dims.data()), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
  // The last chunk is written in part: zeros, not stray memory, fill the rest.
  const float zero = 0.f;
  H5Pset_fill_value(dcpl.get(), H5T_NATIVE_FLOAT, &zero);
  H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_ALLOC);
  const hid_t id = space.ok() ? CreateTimeless(d.file, name, H5T_IEEE_F32LE, space.get(), dcpl.get()) : -1;
  if (id < 0) return absl::InvalidArgumentError(absl::StrCat(where, ": cannot create the dataset"));
  d.datasets.push_back(Impl::Dataset{name, id, std::vector<hsize_t>(dims.begin() + 1, dims.end()), 0});
  return static_cast<int>(d.datasets.size() - 1);
}

absl::Status Hdf5ArraysWriter::AppendRows(int index, const float* values, int64_t rows) {
  Impl& d = *impl_;
  if (d.file < 0) return absl::FailedPreconditionError("Hdf5ArraysWriter: not open");
  if (index < 0 || index >= static_cast<int>(d.datasets.size())) {
    return absl::InvalidArgumentError(absl::StrCat(d.path, ": no dataset number ", index));
  }
  if (rows <= 0) return absl::OkStatus();
  Impl::Dataset& set = d.datasets[static_cast<size_t>(index)];
  const std::string where = absl::StrCat(d.path, ": dataset '", set.name, "'");
  std::vector<hsize_t> dims = {static_cast<hsize_t>(set.rows + rows)};
  dims.insert(dims.end(), set.inner.begin(), set.inner.end());
  Hdf5Call call;
  if (H5Dset_extent(set.id, dims.data()) < 0) {
    return absl::InternalError(absl::StrCat(where, ": growing it to ", set.rows + rows, " rows failed"));
  }
  EVGEN_RETURN_IF_ERROR(WriteRows(set.id, H5T_NATIVE_FLOAT, values, set.rows, rows, set.inner, where));
  set.rows += rows;
  return absl::OkStatus();
}

absl::Status Hdf5ArraysWriter::Commit() {
  Impl& d = *impl_;
  if (d.file < 0) return absl::FailedPreconditionError("Hdf5ArraysWriter: not open");
  return d.Publish(d.Ids());
}

void Hdf5ArraysWriter::Abandon() { impl_->Close(true); }

}  // namespace evgen
