#include "core/io/table_file.h"

#include <cstdio>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/io/atomic_file.h"
#include "core/io/checked_size.h"
#include "core/io/csv.h"
#include "core/io/hdf5_table.h"
#include "core/io/hepmc3.h"
#include "core/io/hepmc3_writer.h"
#include "core/io/jetnet.h"
#include "core/io/jetnet_writer.h"
#include "core/io/lhe.h"
#include "core/io/lhe_writer.h"
#include "core/io/npy.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

// kMaxReservedValues: a buffered table promised up to this many values (64
// MiB of float32) is reserved up front; a larger promise, which may come from
// a peer, is not trusted with memory and the table grows as rows arrive.
constexpr int64_t kMaxReservedValues = int64_t{1} << 24;

absl::Status UnknownFormat(const std::string& path) {
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": unknown table format; extensions are .csv, .npy, .h5/.hdf5, .lhe/.lhe.gz, "
            ".hepmc/.hepmc3, or name the format"));
}

// FormatFromExtension names the format a file name's extension implies, or "".
std::string FormatFromExtension(const std::string& name) {
  const std::pair<const char*, const char*> table[] = {
      {".csv", "csv"},        {".npy", "npy"},       {".lhe", "lhe"},   {".lhe.gz", "lhe"},
      {".hepmc", "hepmc3"},   {".hepmc3", "hepmc3"}, {".hepmc2", "hepmc3"}, {".h5", "hdf5"},
      {".hdf5", "hdf5"}};
  for (const auto& [extension, format] : table) {
    if (absl::EndsWith(name, extension)) return format;
  }
  return "";
}

// FormatFromContent recognises a file by its first bytes, or returns "".
std::string FormatFromContent(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return "";
  char head[64] = {};
  const size_t n = std::fread(head, 1, sizeof head, file);
  std::fclose(file);
  const std::string start(head, n);
  if (absl::StartsWith(start, "\x93NUMPY")) return "npy";
  if (absl::StartsWith(start, "\x89HDF")) return "hdf5";
  if (absl::StartsWith(start, "\x1f\x8b")) return "lhe";  // gzip: MadGraph's .lhe.gz
  if (absl::StrContains(start, "<LesHouchesEvents")) return "lhe";
  if (absl::StrContains(start, "HepMC::")) return "hepmc3";
  return "csv";
}

absl::Status NoOptions(const std::string& format, const std::map<std::string, std::string>& options) {
  if (options.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("options: the ", format, " format takes no option '",
                                                 options.begin()->first, "'"));
}

// CheckNotEmpty refuses a file of 0 bytes or only whitespace with the same
// message in every format (each parser would otherwise say something of its
// own about a missing header or magic).
absl::Status CheckNotEmpty(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  int c = 0;
  while ((c = std::fgetc(file)) != EOF && absl::ascii_isspace(static_cast<unsigned char>(c))) {
  }
  std::fclose(file);
  if (c == EOF) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  return absl::OkStatus();
}

// ReportRows fills the report of a format with one row per event.
void ReportRows(const Table& table, ReadReport* report) {
  report->events_in_file = table.num_rows();
  report->events_kept = table.num_rows();
  report->rows = table.num_rows();
  report->columns = table.num_columns();
}

absl::StatusOr<Table> ReadCsvWithOptions(const std::string& path,
                                         const std::map<std::string, std::string>& options,
                                         ReadReport* report) {
  EVGEN_ASSIGN_OR_RETURN(const CsvReadOptions csv, ParseCsvReadOptions(options));
  CsvInfo info;
  EVGEN_ASSIGN_OR_RETURN(Table table, ReadCsv(path, csv, &info));
  AddToReport(info, table, report);
  return table;
}

absl::StatusOr<Table> ReadNpyWithOptions(const std::string& path,
                                         const std::map<std::string, std::string>& options) {
  EVGEN_ASSIGN_OR_RETURN(const NpyReadOptions npy, ParseNpyReadOptions(options));
  return ReadNpy(path, npy);
}

absl::StatusOr<Table> ReadHdf5OrJetNet(const std::string& path,
                                       const std::map<std::string, std::string>& options) {
  // A JetNet file is HDF5 too; read it in its own layout.
  absl::StatusOr<Hdf5File> file = Hdf5File::Open(path);
  if (file.ok() && file->Has("particle_features") && !file->Has("table")) {
    return ReadJetNetWithOptions(path, options);
  }
  return ReadHdf5TableWithOptions(path, options);
}

absl::StatusOr<Table> ReadByFormat(const std::string& path, const std::string& format,
                                   const std::map<std::string, std::string>& options,
                                   ReadReport* report) {
  if (format == "csv") return ReadCsvWithOptions(path, options, report);
  if (format == "lhe") return ReadLheWithOptions(path, options, report);
  if (format == "hepmc3") return ReadHepMCWithOptions(path, options, report);
  absl::StatusOr<Table> table = format == "npy"      ? ReadNpyWithOptions(path, options)
                                : format == "jetnet" ? ReadJetNetWithOptions(path, options)
                                                     : ReadHdf5OrJetNet(path, options);
  if (table.ok()) ReportRows(*table, report);
  return table;
}

}  // namespace

const std::vector<std::string>& TableFormats() {
  static const std::vector<std::string> formats = {"csv", "hdf5", "hepmc3", "jetnet", "lhe", "npy"};
  return formats;
}

absl::Status CheckTableFormat(const std::string& format) {
  if (format.empty()) return absl::OkStatus();
  for (const std::string& f : TableFormats()) {
    if (f == format) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("format: '", format, "' is not one of ",
                                                 absl::StrJoin(TableFormats(), ", "),
                                                 " (or empty to detect it)"));
}

absl::StatusOr<std::string> ResolveTableFormat(const std::string& format, const std::string& file_name,
                                               const std::string& path) {
  absl::Status valid = CheckTableFormat(format);
  if (!valid.ok()) return valid;
  if (!format.empty()) return format;
  std::string by_name = FormatFromExtension(file_name);
  if (!by_name.empty()) return by_name;
  std::string by_content = FormatFromContent(path);
  if (by_content.empty()) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  return by_content;
}

absl::StatusOr<Table> ReadTableFile(const std::string& path) {
  absl::StatusOr<std::string> format = ResolveTableFormat("", path, path);
  if (!format.ok()) return format.status();
  return ReadTableFile(path, *format, {});
}

absl::StatusOr<Table> ReadTableFile(const std::string& path, const std::string& format,
                                    const std::map<std::string, std::string>& options) {
  return ReadTableFile(path, format, options, nullptr);
}

absl::StatusOr<Table> ReadTableFile(const std::string& path, const std::string& format,
                                    const std::map<std::string, std::string>& options,
                                    ReadReport* report) {
  if (report != nullptr) *report = ReadReport();
  EVGEN_RETURN_IF_ERROR(CheckTableFormat(format));
  if (format.empty()) {
    return absl::InvalidArgumentError("format: name one of the formats, or use ResolveTableFormat");
  }
  ReadReport local;
  ReadReport& out = report != nullptr ? *report : local;
  out = ReadReport();
  EVGEN_RETURN_IF_ERROR(CheckNotEmpty(path));
  absl::StatusOr<Table> table = ReadByFormat(path, format, options, &out);
  if (!table.ok()) out = ReadReport();
  return table;
}

absl::Status WriteTableFile(const std::string& path, const Table& table) {
  return WriteTableFile(path, table, "", {});
}

absl::Status WriteTableFile(const std::string& path, const Table& table, const std::string& format,
                            const std::map<std::string, std::string>& options) {
  const std::string resolved = format.empty() ? FormatFromExtension(path) : format;
  if (resolved.empty()) return UnknownFormat(path);
  absl::Status valid = CheckTableFormat(resolved);
  if (!valid.ok()) return valid;
  if (resolved == "csv" || resolved == "npy") {
    absl::Status none = NoOptions(resolved, options);
    if (!none.ok()) return none;
    return resolved == "csv" ? WriteCsv(path, table) : WriteNpy(path, table);
  }
  if (resolved == "lhe" || resolved == "hepmc3") {
    absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(table, options);
    if (!spec.ok()) return spec.status();
    return resolved == "lhe" ? WriteLhe(path, table, *spec) : WriteHepMC3(path, table, *spec);
  }
  if (resolved == "jetnet") {
    absl::StatusOr<JetNetWriteOptions> jetnet = ParseJetNetWriteOptions(options);
    if (!jetnet.ok()) return jetnet.status();
    return WriteJetNet(path, table, *jetnet);
  }
  absl::StatusOr<Hdf5TableOptions> hdf5 = ParseHdf5TableOptions(options);
  if (!hdf5.ok()) return hdf5.status();
  return WriteHdf5Table(path, table, *hdf5);
}

}  // namespace evgen

namespace evgen {

// Impl streams every format straight to disk but JetNet with max_particles
// 0, which pads each jet to the largest multiplicity of the table: those rows
// are gathered and written at Commit().
struct StreamingTableWriter::Impl {
  enum class Mode { kNpy, kCsv, kHdf5, kLhe, kHepMC3, kJetNet, kBuffered } mode = Mode::kNpy;
  std::string path;
  std::string format;
  std::map<std::string, std::string> options;
  NpyWriter npy;
  AtomicFileWriter text;
  Hdf5TableWriter hdf5;
  LheWriter lhe;
  HepMC3Writer hepmc3;
  JetNetWriter jetnet;
  Table buffered;
  std::vector<std::string> columns;
  int64_t rows_expected = 0;
  int64_t rows_written = 0;
  // The first rows say whether the table is weighted; the CSV header waits
  // for them, as they say whether the file has the event_weight column.
  bool started = false;
  bool weighted = false;
  bool csv_header_written = false;

  absl::Status OpenEvents(int64_t promised_values);
  absl::Status CheckWeights(const Table& rows);
  absl::Status AppendCsv(const Table& rows);
};

// OpenEvents opens the writer of every format but npy and csv.
absl::Status StreamingTableWriter::Impl::OpenEvents(int64_t promised_values) {
  if (format == "lhe" || format == "hepmc3") {
    // The spec reads only the column names.
    absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(Table(columns), options);
    if (!spec.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", spec.status().message()));
    mode = format == "lhe" ? Mode::kLhe : Mode::kHepMC3;
    return format == "lhe" ? lhe.Open(path, columns, *spec, rows_expected)
                           : hepmc3.Open(path, columns, *spec);
  }
  if (format == "hdf5") {
    EVGEN_ASSIGN_OR_RETURN(const Hdf5TableOptions hdf5_options, ParseHdf5TableOptions(options));
    mode = Mode::kHdf5;
    return hdf5.Open(path, columns, rows_expected, hdf5_options);
  }
  EVGEN_ASSIGN_OR_RETURN(const JetNetWriteOptions jetnet_options, ParseJetNetWriteOptions(options));
  if (jetnet_options.max_particles > 0) {
    mode = Mode::kJetNet;
    return jetnet.Open(path, columns, rows_expected, jetnet_options);
  }
  mode = Mode::kBuffered;
  buffered = Table(columns);
  if (promised_values <= kMaxReservedValues) buffered.Reserve(rows_expected);
  return absl::OkStatus();
}

absl::Status StreamingTableWriter::Impl::CheckWeights(const Table& rows) {
  if (rows.num_rows() == 0) return absl::OkStatus();
  if (!started) {
    started = true;
    weighted = rows.has_weights();
  }
  if (rows.has_weights() == weighted) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": rows ", rows_written + 1, "..", rows_written + rows.num_rows(),
      weighted ? " have no weights, the rows before had" : " have weights, the rows before had none"));
}

absl::Status StreamingTableWriter::Impl::AppendCsv(const Table& rows) {
  if (!csv_header_written && rows.num_rows() > 0) {
    EVGEN_ASSIGN_OR_RETURN(std::vector<std::string> names,
                           FileColumns(columns, rows.has_weights(), path));
    EVGEN_RETURN_IF_ERROR(text.Write(absl::StrCat(absl::StrJoin(names, ","), "\n")));
    csv_header_written = true;
  }
  std::string out;
  AppendCsvRows(rows, &out);
  return text.Write(out);
}

StreamingTableWriter::StreamingTableWriter() : impl_(std::make_unique<Impl>()) {}
StreamingTableWriter::~StreamingTableWriter() = default;

absl::Status StreamingTableWriter::Open(const std::string& path, std::vector<std::string> columns,
                                        int64_t rows, const std::string& format,
                                        const std::map<std::string, std::string>& options) {
  // rows may come from a peer (the client writes the total a server stream
  // promises), so it is checked before it sizes anything.
  EVGEN_ASSIGN_OR_RETURN(
      const int64_t promised_values,
      CheckedMul(rows, static_cast<int64_t>(columns.size()),
                 absl::StrCat(path, ": promised rows x ", columns.size(), " columns")));
  Impl& d = *impl_;
  d.path = path;
  d.columns = columns;
  d.rows_expected = rows;
  d.options = options;
  d.format = format.empty() ? FormatFromExtension(path) : format;
  if (d.format.empty()) return UnknownFormat(path);
  // A jet-cloud table goes into .h5 in the JetNet layout, which every jet
  // tool reads (and evgen reads back by content); --format hdf5 keeps the
  // flat table.
  if (format.empty() && d.format == "hdf5" && FitsJetNetLayout(columns)) d.format = "jetnet";
  absl::Status valid = CheckTableFormat(d.format);
  if (!valid.ok()) return valid;
  if (d.format == "npy" || d.format == "csv") {
    absl::Status none = NoOptions(d.format, options);
    if (!none.ok()) return none;
  }
  if (d.format == "npy") {
    d.mode = Impl::Mode::kNpy;
    return d.npy.Open(path, std::move(columns), rows);
  }
  if (d.format == "csv") {
    d.mode = Impl::Mode::kCsv;
    return d.text.Open(path);
  }
  return d.OpenEvents(promised_values);
}

absl::Status StreamingTableWriter::Append(const Table& rows) {
  Impl& d = *impl_;
  if (rows.columns() != d.columns) {
    return absl::InvalidArgumentError(absl::StrCat("writer: appended rows have columns [",
                                                   absl::StrJoin(rows.columns(), ", "), "], expected [",
                                                   absl::StrJoin(d.columns, ", "), "]"));
  }
  if (d.rows_written + rows.num_rows() > d.rows_expected) {
    return absl::OutOfRangeError(absl::StrCat("writer: more than the promised ", d.rows_expected, " rows"));
  }
  EVGEN_RETURN_IF_ERROR(d.CheckWeights(rows));
  d.rows_written += rows.num_rows();
  switch (d.mode) {
    case Impl::Mode::kNpy:
      return d.npy.Append(rows);
    case Impl::Mode::kCsv:
      return d.AppendCsv(rows);
    case Impl::Mode::kHdf5:
      return d.hdf5.Append(rows);
    case Impl::Mode::kLhe:
      return d.lhe.Append(rows);
    case Impl::Mode::kHepMC3:
      return d.hepmc3.Append(rows);
    case Impl::Mode::kJetNet:
      return d.jetnet.Append(rows);
    case Impl::Mode::kBuffered:
      return d.buffered.Append(rows);
  }
  return absl::OkStatus();
}

absl::Status StreamingTableWriter::Commit() {
  Impl& d = *impl_;
  // These two check the row count themselves, and drop their file if it is off.
  if (d.mode == Impl::Mode::kNpy) return d.npy.Commit();
  if (d.mode == Impl::Mode::kJetNet) return d.jetnet.Commit();
  if (d.rows_written != d.rows_expected) {
    d.text.Abandon();
    return absl::DataLossError(absl::StrCat("writer: ", d.rows_written, " rows written, ",
                                            d.rows_expected, " promised; nothing was saved"));
  }
  if (d.mode == Impl::Mode::kCsv) {
    if (!d.csv_header_written) {
      EVGEN_RETURN_IF_ERROR(d.text.Write(absl::StrCat(absl::StrJoin(d.columns, ","), "\n")));
    }
    return d.text.Commit();
  }
  switch (d.mode) {
    case Impl::Mode::kHdf5:
      return d.hdf5.Commit();
    case Impl::Mode::kLhe:
      return d.lhe.Commit();
    case Impl::Mode::kHepMC3:
      return d.hepmc3.Commit();
    default:
      return WriteTableFile(d.path, d.buffered, d.format, d.options);
  }
}

}  // namespace evgen
