#include "core/io/npy.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/io/checked_size.h"
#include "core/io/column_names.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

absl::Status WriteColumnsSidecar(const std::string& path, const std::vector<std::string>& columns) {
  return WriteFileAtomically(path + ".columns", absl::StrCat(absl::StrJoin(columns, "\n"), "\n"));
}

// ReadColumnsSidecar names the columns from the names file, or col0, col1,
// ... where there is none. A names file that does not fit the array (a
// blank line, a missing or extra name) is refused: falling back to col0..
// would rename the user's columns silently.
absl::StatusOr<std::vector<std::string>> ReadColumnsSidecar(const std::string& path, int64_t columns) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadNpyColumnNames(path));
  if (names.empty()) {
    for (int64_t i = 0; i < columns; ++i) names.push_back(absl::StrCat("col", i));
    return names;
  }
  if (static_cast<int64_t>(names.size()) != columns) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".columns: names ", names.size(),
                                                   " columns, the array beside it has ", columns));
  }
  return names;
}

// HeaderValue extracts the text after 'key': in a .npy header dict.
absl::StatusOr<std::string> HeaderValue(const std::string& header, const std::string& key,
                                        const std::string& path) {
  const std::string quoted = absl::StrCat("'", key, "'");
  size_t at = header.find(quoted);
  if (at == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": .npy header lacks '", key, "'"));
  }
  at = header.find(':', at);
  size_t end = key == "shape" ? header.find(')', at) + 1 : header.find_first_of(",}", at);
  return std::string(absl::StripAsciiWhitespace(header.substr(at + 1, end - at - 1)));
}

absl::StatusOr<std::vector<int64_t>> ParseShape(std::string text, const std::string& path) {
  absl::string_view inner = absl::StripAsciiWhitespace(text);
  if (!absl::ConsumePrefix(&inner, "(") || !absl::ConsumeSuffix(&inner, ")")) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": bad .npy shape ", text));
  }
  std::vector<int64_t> shape;
  for (absl::string_view part : absl::StrSplit(inner, ',', absl::SkipWhitespace())) {
    int64_t dim = 0;
    if (!absl::SimpleAtoi(part, &dim) || dim < 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": bad .npy shape ", text));
    }
    shape.push_back(dim);
  }
  return shape;
}

absl::StatusOr<Table> ReadNpyArray(const std::string& path, const std::vector<std::string>& names);

}  // namespace

std::string NpyHeader(int64_t rows, int64_t columns) {
  std::string dict = absl::StrCat("{'descr': '<f4', 'fortran_order': False, 'shape': (", rows, ", ",
                                  columns, "), }");
  // Magic (6) + version (2) + length (2) + dict + '\n' is padded to 64 bytes.
  size_t total = kMagicSize + 4 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict.push_back('\n');
  std::string out(kMagic, kMagicSize);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(dict.size() & 0xff));
  out.push_back(static_cast<char>((dict.size() >> 8) & 0xff));
  return out + dict;
}

absl::Status WriteNpy(const std::string& path, const Table& table) {
  return WriteNpy(path, table, NpyWriteOptions());
}

absl::Status WriteNpy(const std::string& path, const Table& table, const NpyWriteOptions& options) {
  NpyWriter writer;
  EVGEN_RETURN_IF_ERROR(writer.Open(path, table.columns(), table.num_rows(), options));
  EVGEN_RETURN_IF_ERROR(writer.Append(table));
  return writer.Commit();
}

absl::StatusOr<NpyReadOptions> ParseNpyReadOptions(const std::map<std::string, std::string>& options) {
  NpyReadOptions out;
  for (const auto& [key, value] : options) {
    if (key == "columns") {
      for (absl::string_view name : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        out.columns.emplace_back(absl::StripAsciiWhitespace(name));
      }
    } else if (key == "weight_column") {
      out.weight_column = std::string(absl::StripAsciiWhitespace(value));
      out.require_weight_column = !out.weight_column.empty();
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown option '", key, "' for the npy format; known options: columns, weight_column"));
    }
  }
  return out;
}

absl::StatusOr<Table> ReadNpy(const std::string& path) { return ReadNpy(path, NpyReadOptions()); }

absl::StatusOr<Table> ReadNpy(const std::string& path, const NpyReadOptions& options) {
  EVGEN_ASSIGN_OR_RETURN(Table table, ReadNpyArray(path, options.columns));
  const std::string& w = options.weight_column;
  if (w.empty() || (!table.HasColumn(w) && !options.require_weight_column)) return table;
  return TakeWeightColumn(std::move(table), w, path);
}

namespace {

absl::StatusOr<Table> ReadNpyArray(const std::string& path, const std::vector<std::string>& names) {
  EVGEN_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  if (absl::StripAsciiWhitespace(bytes).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  }
  if (bytes.size() < kMagicSize + 4 || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a .npy file (bad magic)"));
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return absl::InvalidArgumentError(absl::StrCat(path, ": truncated header"));
    for (int i = 0; i < 4; ++i) header_len |= size_t(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    header_start = 12;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(path, ": unsupported .npy version ", major));
  }
  // header_len is at most 2^32 - 1, so header_start + header_len cannot wrap.
  if (bytes.size() < header_start + header_len) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": truncated .npy header"));
  }
  const std::string header = bytes.substr(header_start, header_len);
  EVGEN_ASSIGN_OR_RETURN(std::string descr, HeaderValue(header, "descr", path));
  EVGEN_ASSIGN_OR_RETURN(std::string fortran, HeaderValue(header, "fortran_order", path));
  EVGEN_ASSIGN_OR_RETURN(std::string shape_text, HeaderValue(header, "shape", path));
  if (descr != "'<f4'" && descr != "'<f8'") {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": unsupported dtype ", descr, "; evgen reads '<f4' (float32) and '<f8' (float64)"));
  }
  if (fortran != "False") {
    return absl::InvalidArgumentError(absl::StrCat(path, ": Fortran-order arrays are not supported"));
  }
  EVGEN_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ParseShape(shape_text, path));
  if (shape.empty() || shape.size() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": shape ", shape_text, " is not 1-D or 2-D (rows, columns)"));
  }
  const int64_t rows = shape[0];
  const int64_t columns = shape.size() == 2 ? shape[1] : 1;
  if (rows == 0 || columns == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": empty array, shape ", shape_text));
  }
  const int64_t item = descr == "'<f4'" ? 4 : 8;
  const size_t data_start = header_start + header_len;
  // The shape is checked against the bytes present before anything is
  // allocated for it; a header may promise any size.
  EVGEN_ASSIGN_OR_RETURN(const int64_t need,
                         CheckedProduct({rows, columns, item},
                                        absl::StrCat(path, ": .npy shape ", shape_text, " of ",
                                                     item, "-byte values")));
  if (static_cast<uint64_t>(bytes.size() - data_start) != static_cast<uint64_t>(need)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": data holds ", bytes.size() - data_start,
                                                   " bytes, shape ", shape_text, " needs ", need,
                                                   " (truncated or trailing bytes)"));
  }
  std::vector<float> values(static_cast<size_t>(need / item));
  if (item == 4) {
    std::memcpy(values.data(), bytes.data() + data_start, static_cast<size_t>(need));
  } else {
    for (size_t i = 0; i < values.size(); ++i) {
      double v;
      std::memcpy(&v, bytes.data() + data_start + 8 * i, 8);
      values[i] = static_cast<float>(v);
    }
  }
  if (names.empty()) {
    EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> sidecar, ReadColumnsSidecar(path, columns));
    return Table::Create(std::move(sidecar), std::move(values));
  }
  EVGEN_RETURN_IF_ERROR(CheckColumnNames(names, absl::StrCat(path, ": options.columns")));
  if (static_cast<int64_t>(names.size()) != columns) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": options.columns: names ", names.size(),
                                                   " columns, the array has ", columns));
  }
  return Table::Create(names, std::move(values));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ReadNpyColumnNames(const std::string& npy_path) {
  const std::string sidecar = npy_path + ".columns";
  std::vector<std::string> names;
  std::error_code ec;
  if (!std::filesystem::exists(sidecar, ec)) return names;
  EVGEN_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(sidecar));
  absl::string_view body = text;
  absl::ConsumeSuffix(&body, "\n");  // the writer ends the last name with one
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    // Names are kept as written (spaces included); only a CRLF file's \r goes.
    absl::ConsumeSuffix(&line, "\r");
    names.emplace_back(line);
  }
  EVGEN_RETURN_IF_ERROR(CheckColumnNames(names, absl::StrCat(sidecar, ": names")));
  return names;
}

absl::StatusOr<std::string> NpyColumnsOption(const std::vector<std::string>& names, const std::string& where) {
  for (size_t c = 0; c < names.size(); ++c) {
    const std::string& name = names[c];
    if (name.find(',') != std::string::npos || absl::StripAsciiWhitespace(name) != name) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "[", c, "]: column '", name,
          "' holds a comma or starts or ends with a space, which the upload option columns=a,b,c cannot carry; "
          "rename the column"));
    }
  }
  return absl::StrJoin(names, ",");
}

absl::Status NpyWriter::Open(const std::string& path, std::vector<std::string> columns,
                             int64_t rows, const NpyWriteOptions& options) {
  options_ = options;
  if (columns.empty()) return absl::InvalidArgumentError("npy: at least one column is required");
  columns_ = std::move(columns);
  rows_expected_ = rows;
  rows_written_ = 0;
  started_ = false;
  weighted_ = false;
  return file_.Open(path);
}

absl::Status NpyWriter::Start(bool weighted) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> file_columns,
                         FileColumns(columns_, weighted, file_.path()));
  started_ = true;
  weighted_ = weighted;
  columns_ = std::move(file_columns);
  return file_.Write(NpyHeader(rows_expected_, static_cast<int64_t>(columns_.size())));
}

absl::Status NpyWriter::Append(const Table& rows) {
  // columns_ gains event_weight once a weighted start wrote the header.
  const size_t data_columns = columns_.size() - (weighted_ ? 1 : 0);
  if (rows.columns().size() != data_columns ||
      !std::equal(rows.columns().begin(), rows.columns().end(), columns_.begin())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "npy: rows with columns [", absl::StrJoin(rows.columns(), ", "), "] do not match [",
        absl::StrJoin(columns_.begin(), columns_.begin() + data_columns, ", "), "]"));
  }
  if (rows.num_rows() == 0) return absl::OkStatus();
  if (rows_written_ + rows.num_rows() > rows_expected_) {
    return absl::OutOfRangeError(absl::StrCat("npy: more than the promised ", rows_expected_, " rows"));
  }
  const bool weighted = options_.weight_column && rows.has_weights();
  if (!started_) EVGEN_RETURN_IF_ERROR(Start(weighted));
  if (weighted != weighted_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "npy: rows ", rows_written_ + 1, "..", rows_written_ + rows.num_rows(),
        weighted_ ? " have no weights, the rows before had" : " have weights, the rows before had none"));
  }
  rows_written_ += rows.num_rows();
  if (!weighted_) return file_.Write(rows.values().data(), rows.values().size() * sizeof(float));
  return WriteWeightedRows(rows);
}

// WriteWeightedRows writes each row with its weight appended, in blocks so
// that the copy stays small.
absl::Status NpyWriter::WriteWeightedRows(const Table& rows) {
  const int columns = rows.num_columns();
  std::vector<float> block;
  constexpr int64_t kBlockRows = 4096;
  for (int64_t begin = 0; begin < rows.num_rows(); begin += kBlockRows) {
    const int64_t end = std::min(rows.num_rows(), begin + kBlockRows);
    block.clear();
    for (int64_t r = begin; r < end; ++r) {
      block.insert(block.end(), rows.row(r), rows.row(r) + columns);
      block.push_back(rows.weight(r));
    }
    EVGEN_RETURN_IF_ERROR(file_.Write(block.data(), block.size() * sizeof(float)));
  }
  return absl::OkStatus();
}

absl::Status NpyWriter::Commit() {
  if (rows_written_ != rows_expected_) {
    file_.Abandon();
    return absl::DataLossError(absl::StrCat("npy: ", rows_written_, " rows written, ",
                                            rows_expected_, " promised; nothing was saved"));
  }
  if (!started_) EVGEN_RETURN_IF_ERROR(Start(false));
  EVGEN_RETURN_IF_ERROR(WriteColumnsSidecar(file_.path(), columns_));
  return file_.Commit();
}

}  // namespace evgen
