#include "client/cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/cli/output.h"
#include "client/cli/selection_flags.h"
#include "client/evgen_client.h"
#include "client/report/html_report.h"
#include "core/io/atomic_file.h"
#include "nlohmann/json.hpp"
#include "core/io/table_file.h"
#include "core/status_macros.h"
#include "wire/table_codec.h"

#ifndef EVGEN_VERSION
#define EVGEN_VERSION "unknown"
#endif

namespace evgen::cli {
namespace {

struct GlobalOptions {
  std::string server;
  std::string token;
  std::string tls_ca{}, tls_cert{}, tls_key{};  // files
  bool json = false;
  int timeout_s = 600;
};

// Command is what a subcommand runs once flags are parsed.
using Command = std::function<absl::Status(EvgenClient&)>;

struct Runner {
  GlobalOptions global;
  Command command;
  std::ostream* out;
  std::ostream* err;
};

// ParsedInto is an option callback that parses the value as a T and hands
// it to `set`: protobuf fields have setters, not an address CLI11 can bind.
template <typename T>
std::function<bool(const CLI::results_t&)> ParsedInto(std::function<void(T)> set) {
  return [set = std::move(set)](const CLI::results_t& r) {
    T value{};
    if (!absl::SimpleAtoi(r[0], &value)) return false;
    set(value);
    return true;
  };
}

// Report prints a command's outcome: `json` with --json, `text` otherwise,
// so that every command's --json output is JSON.
void Report(Runner& run, const nlohmann::json& json, const std::string& text) {
  if (run.global.json) {
    PrintJson(json, *run.out);
  } else {
    *run.out << text << "\n";
  }
}

// ReadTlsFiles loads the --tls-* files into the client options; the error
// names the flag and the file.
absl::Status ReadTlsFiles(const GlobalOptions& global, ClientOptions& options) {
  if (global.tls_ca.empty()) {
    if (!global.tls_cert.empty() || !global.tls_key.empty()) {
      return absl::InvalidArgumentError("--tls-cert/--tls-key: give --tls-ca too (the server's CA)");
    }
    return absl::OkStatus();
  }
  if (global.tls_cert.empty() != global.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key: give both or neither");
  }
  for (const auto& [flag, path, out] : {std::make_tuple("--tls-ca", &global.tls_ca, &options.tls_root_pem),
                                        std::make_tuple("--tls-cert", &global.tls_cert, &options.tls_cert_pem),
                                        std::make_tuple("--tls-key", &global.tls_key, &options.tls_key_pem)}) {
    if (path->empty()) continue;
    absl::StatusOr<std::string> pem = ReadFileToString(*path);
    if (!pem.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", *path));
    *out = *std::move(pem);
  }
  return absl::OkStatus();
}

std::string DefaultToken() {
  const char* env = std::getenv("EVGEN_TOKEN");
  return env && *env ? env : "";
}

std::string DefaultServer() {
  const char* env = std::getenv("EVGEN_SERVER");
  return env && *env ? env : "127.0.0.1:50051";
}

// ParseKeyValues turns ["a=1", "b=2"] into a map; InvalidArgument otherwise.
absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(const std::vector<std::string>& items,
                                                                  const char* flag) {
  std::map<std::string, std::string> out;
  for (const std::string& item : items) {
    std::vector<std::string> parts = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": expected KEY=VALUE, got '", item, "'"));
    }
    out[parts[0]] = parts[1];
  }
  return out;
}

// LooksLikeTableFile: a path, or a name with a table file's extension.
bool LooksLikeTableFile(const std::string& spec) {
  return absl::StrContains(spec, '/') || absl::EndsWith(spec, ".csv") || absl::EndsWith(spec, ".npy");
}

bool IsTableFile(const std::string& spec) {
  return std::filesystem::is_regular_file(spec) && LooksLikeTableFile(spec);
}

// TableSources turns "FILE.npy|FILE.csv" or "DATASET[:REGION]" into a
// TableSource. Files up to kInlineBytes travel inside the request; larger ones
// stream to the server as a temporary dataset (client-streamed upload, no
// message-size limit), which is deleted when the TableSources goes away.
class TableSources {
 public:
  static constexpr int64_t kInlineBytes = 16 << 20;

  explicit TableSources(EvgenClient& client) : client_(client) {}
  TableSources(const TableSources&) = delete;
  TableSources& operator=(const TableSources&) = delete;
  ~TableSources() {
    for (const std::string& name : temporary_) (void)client_.DeleteDataset(name);
  }

  absl::StatusOr<v1::TableSource> Resolve(const std::string& spec) {
    v1::TableSource source;
    if (!IsTableFile(spec)) {
      // A missing local file is named as such, not as an unknown dataset
      // (dataset names may end in .csv too, so the server is asked first).
      if (LooksLikeTableFile(spec)) {
        const absl::Status dataset = client_.DescribeDataset(spec).status();
        if (absl::IsNotFound(dataset) || absl::IsInvalidArgument(dataset)) {
          return absl::NotFoundError(absl::StrCat(
              "'", spec, "': no such local file (", std::filesystem::absolute(spec).string(),
              ") and no dataset of that name; a table is FILE.csv, FILE.npy or DATASET[:REGION]"));
        }
        EVGEN_RETURN_IF_ERROR(dataset);
      }
      std::vector<std::string> parts = absl::StrSplit(spec, absl::MaxSplits(':', 1));
      source.mutable_dataset()->set_dataset(parts[0]);
      if (parts.size() == 2) source.mutable_dataset()->set_region(parts[1]);
      return source;
    }
    if (static_cast<int64_t>(std::filesystem::file_size(spec)) <= kInlineBytes) {
      EVGEN_ASSIGN_OR_RETURN(Table table, ReadTableFile(spec));
      EncodeTable(table, source.mutable_inline_table());
      return source;
    }
    v1::UploadHeader header;
    header.set_name(absl::StrCat("evgen-tmp-", ::getpid(), "-", temporary_.size()));
    EVGEN_RETURN_IF_ERROR(client_.UploadFile(spec, header).status());
    temporary_.push_back(header.name());
    source.mutable_dataset()->set_dataset(header.name());
    return source;
  }

 private:
  EvgenClient& client_;
  std::vector<std::string> temporary_;
};

// AddStoredWriteOptions gives an LHE export what the uploaded file's reader
// recorded (IDWTUP, beams, cross section), under the user's own options, so
// that a file read and written back means the same thing.
absl::Status AddStoredWriteOptions(EvgenClient& client, const v1::ExportDatasetRequest& request,
                                   OutputFile* out) {
  const std::string& path = out->path;
  const bool lhe = out->format == "lhe" ||
                   (out->format.empty() && (absl::EndsWith(path, ".lhe") || absl::EndsWith(path, ".lhe.gz")));
  if (!lhe) return absl::OkStatus();
  EVGEN_ASSIGN_OR_RETURN(v1::Dataset d, client.DescribeDataset(request.selection().dataset()));
  const nlohmann::json report = nlohmann::json::parse(d.read_report_json(), nullptr, false);
  if (!report.is_object()) return absl::OkStatus();
  // Held in a variable: items() of a temporary would outlive it.
  const nlohmann::json stored = report.value("write_options", nlohmann::json::object());
  if (!stored.is_object()) return absl::OkStatus();
  for (const auto& [key, value] : stored.items()) {
    if (value.is_string()) out->options.emplace(key, value.get<std::string>());
  }
  return absl::OkStatus();
}

// InexactExportColumns lists the dataset's exact integer columns an export
// to a float32 format (anything but CSV and HDF5) would write as
// approximations.
absl::StatusOr<std::vector<std::string>> InexactExportColumns(EvgenClient& client,
                                                              const v1::ExportDatasetRequest& request,
                                                              const OutputFile& out) {
  const auto is = [&](const char* format, std::initializer_list<const char*> extensions) {
    if (!out.format.empty()) return out.format == format;
    for (const char* e : extensions) {
      if (absl::EndsWith(out.path, e)) return true;
    }
    return false;
  };
  if (is("csv", {".csv"}) || is("hdf5", {".h5", ".hdf5"})) return std::vector<std::string>{};
  EVGEN_ASSIGN_OR_RETURN(v1::Dataset d, client.DescribeDataset(request.selection().dataset()));
  const auto& selected = request.selection().columns();
  std::vector<std::string> inexact;
  for (const std::string& c : d.int64_columns()) {
    if (selected.empty() || std::find(selected.begin(), selected.end(), c) != selected.end()) {
      inexact.push_back(c);
    }
  }
  return inexact;
}

void AddDatasetCommands(CLI::App& app, Runner& run) {
  CLI::App* datasets = app.add_subcommand("datasets", "stored datasets and reference simulators");
  datasets->require_subcommand(1);

  auto* generate = datasets->add_subcommand("generate", "run a built-in reference simulator into a new dataset");
  auto req = std::make_shared<v1::GenerateReferenceRequest>();
  auto options = std::make_shared<std::vector<std::string>>();
  generate->add_option("simulator", *req->mutable_simulator(), "simulator, e.g. qcd-multijet")->required();
  generate->add_option("-n,--events", ParsedInto<int64_t>([req](int64_t n) { req->set_n_events(n); }),
                       "number of events")
      ->required();
  generate->add_option("--name", *req->mutable_name(), "dataset name (default: the simulator's)");
  generate->add_option("--seed", ParsedInto<uint64_t>([req](uint64_t s) { req->set_seed(s); }),
                       "random seed (default 1)");
  generate->add_option("-O,--option", *options, "simulator option KEY=VALUE, e.g. cms_selection=1");
  auto sqrt_s = std::make_shared<double>(0);
  generate->add_option("--sqrt-s", *sqrt_s, "centre-of-mass energy in GeV (default 13000)")
      ->check(CLI::PositiveNumber);
  generate->callback([&run, req, options, sqrt_s] {
    run.command = [&run, req, options, sqrt_s](EvgenClient& client) -> absl::Status {
      if (*sqrt_s > 0) (*req->mutable_options())["sqrt_s_gev"] = *sqrt_s;
      if (req->name().empty()) req->set_name(req->simulator());
      if (req->seed() == 0) req->set_seed(1);
      EVGEN_ASSIGN_OR_RETURN(auto kv, ParseKeyValues(*options, "--option"));
      for (const auto& [key, value] : kv) {
        double v = 0;
        if (!absl::SimpleAtod(value, &v)) {
          return absl::InvalidArgumentError(absl::StrCat("--option ", key, ": '", value, "' is not a number"));
        }
        (*req->mutable_options())[key] = v;
      }
      EVGEN_ASSIGN_OR_RETURN(v1::Dataset d, client.GenerateReference(*req));
      run.global.json ? PrintJson(d, *run.out) : PrintDataset(d, *run.out);
      return absl::OkStatus();
    };
  });

  datasets->add_subcommand("list", "list stored datasets")->callback([&run] {
    run.command = [&run](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::ListDatasetsResponse r, client.ListDatasets());
      if (run.global.json) return PrintJson(r, *run.out), absl::OkStatus();
      for (const v1::Dataset& d : r.datasets()) PrintDatasetLine(d, *run.out);
      return absl::OkStatus();
    };
  });

  auto name = std::make_shared<std::string>();
  auto* describe = datasets->add_subcommand("describe", "columns, rows per region and column statistics");
  describe->add_option("name", *name, "dataset name")->required();
  describe->callback([&run, name] {
    run.command = [&run, name](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::Dataset d, client.DescribeDataset(*name));
      run.global.json ? PrintJson(d, *run.out) : PrintDataset(d, *run.out);
      return absl::OkStatus();
    };
  });

  auto* remove = datasets->add_subcommand("delete", "delete a stored dataset");
  remove->add_option("name", *name, "dataset name")->required();
  remove->callback([&run, name] {
    run.command = [&run, name](EvgenClient& client) -> absl::Status {
      EVGEN_RETURN_IF_ERROR(client.DeleteDataset(*name));
      Report(run, {{"deleted_dataset", *name}}, absl::StrCat("deleted dataset ", *name));
      return absl::OkStatus();
    };
  });

  auto file = std::make_shared<std::string>();
  auto header = std::make_shared<v1::UploadHeader>();
  auto upload_options = std::make_shared<std::vector<std::string>>();
  auto* upload = datasets->add_subcommand("upload", "upload a file (csv, npy, hdf5, lhe[.gz], hepmc3, jetnet) as a dataset");
  upload->add_option("file", *file, "file to upload")->required()->check(CLI::ExistingFile);
  upload->add_option("--name", *header->mutable_name(), "dataset name")->required();
  upload->add_option("--format", *header->mutable_format(), "format (default: from the extension or content)");
  upload->add_option("-O,--option", *upload_options, "reader option KEY=VALUE, e.g. pdg_ids=6,-6 (docs/formats.md)");
  upload->callback([&run, file, header, upload_options] {
    run.command = [&run, file, header, upload_options](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(auto kv, ParseKeyValues(*upload_options, "--option"));
      header->mutable_options()->insert(kv.begin(), kv.end());
      TransferProgressLine progress(*run.err, ::isatty(STDERR_FILENO) == 1, "upload",
                                    TransferProgressLine::Unit::kBytes);
      absl::StatusOr<v1::Dataset> uploaded = client.UploadFile(
          *file, *header, [&progress](int64_t sent, int64_t total) { progress.Update(sent, total); });
      progress.Done();
      EVGEN_ASSIGN_OR_RETURN(v1::Dataset d, std::move(uploaded));
      run.global.json ? PrintJson(d, *run.out) : PrintDataset(d, *run.out);
      return absl::OkStatus();
    };
  });

  auto export_request = std::make_shared<v1::ExportDatasetRequest>();
  auto export_out = std::make_shared<OutputFile>();
  auto export_columns = std::make_shared<std::vector<std::string>>();
  auto export_options = std::make_shared<std::vector<std::string>>();
  auto* exporter = datasets->add_subcommand("export", "write a dataset (or a region of it) to a file");
  exporter->add_option("name", *export_request->mutable_selection()->mutable_dataset(), "dataset name")->required();
  exporter->add_option("-o,--output", export_out->path, "output file (.npy, .csv, .h5, .lhe, .hepmc3)")->required();
  exporter->add_option("--region", *export_request->mutable_selection()->mutable_region(), "only this region");
  exporter->add_option("--columns", *export_columns, "only these columns, in this order")->delimiter(',');
  exporter->add_option("--format", export_out->format, "format (default: from the extension)");
  exporter->add_option("-O,--option", *export_options, "writer option KEY=VALUE (docs/formats.md)");
  auto export_derived = std::make_shared<std::vector<std::string>>();
  exporter->add_option("--column", *export_derived, "derived column 'NAME = EXPR' (repeatable; docs/expressions.md)");
  exporter->add_option("--where", *export_request->mutable_selection()->mutable_where(),
                       "only the rows where EXPR holds, e.g. 'Q1*Q2 < 0'");
  exporter->callback([&run, export_request, export_out, export_columns, export_options, export_derived] {
    run.command = [&run, export_request, export_out, export_columns, export_options,
                   export_derived](EvgenClient& client) -> absl::Status {
      for (const std::string& text : *export_derived) {
        EVGEN_ASSIGN_OR_RETURN(*export_request->mutable_selection()->add_derived(),
                               ParseColumnDefinition(text, "--column"));
      }
      for (const std::string& c : *export_columns) export_request->mutable_selection()->add_columns(c);
      EVGEN_ASSIGN_OR_RETURN(export_out->options, ParseKeyValues(*export_options, "--option"));
      EVGEN_RETURN_IF_ERROR(AddStoredWriteOptions(client, *export_request, export_out.get()));
      EVGEN_ASSIGN_OR_RETURN(const std::vector<std::string> inexact,
                             InexactExportColumns(client, *export_request, *export_out));
      if (!inexact.empty()) {
        *run.err << "warning: " << absl::StrJoin(inexact, ", ")
                 << " hold exact integers above 2^24 (e.g. event numbers); this format stores "
                    "float32, which changes them. Export to .csv or .h5 to keep them exact.\n";
      }
      EVGEN_RETURN_IF_ERROR(client.ExportToFile(*export_request, *export_out));
      Report(run, {{"exported", export_request->selection().dataset()}, {"output", export_out->path}},
             absl::StrCat("exported ", export_request->selection().dataset(), " to ", export_out->path));
      return absl::OkStatus();
    };
  });

  datasets->add_subcommand("simulators", "list the built-in reference simulators")->callback([&run] {
    run.command = [&run](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(auto r, client.ListReferenceSimulators());
      if (run.global.json) return PrintJson(r, *run.out), absl::OkStatus();
      for (const auto& s : r.simulators()) *run.out << s.name() << ": " << s.description() << "\n";
      return absl::OkStatus();
    };
  });
}

// AddDeriveCommand adds `datasets derive`: derived columns and a selection
// of a stored dataset, stored as a new dataset by the server.
void AddDeriveCommand(CLI::App* datasets, Runner& run) {
  auto req = std::make_shared<v1::DeriveDatasetRequest>();
  auto columns = std::make_shared<std::vector<std::string>>();
  auto* derive = datasets->add_subcommand(
      "derive", "store derived columns and a row selection of a dataset as a new dataset (docs/expressions.md)");
  derive->add_option("source", *req->mutable_source()->mutable_dataset(), "source dataset")->required();
  derive->add_option("--column", *columns,
                     "new column 'NAME = EXPR' (repeatable, in order), e.g. "
                     "'m_mumu = mass(pt1,eta1,phi1,0.1057, pt2,eta2,phi2,0.1057)'");
  derive->add_option("--where", *req->mutable_where(), "keep the rows where EXPR holds, e.g. 'Q1*Q2 < 0'");
  derive->add_option("--region", *req->mutable_source()->mutable_region(), "only this region of the source");
  derive->add_option("--name", *req->mutable_name(), "name of the new dataset")->required();
  derive->callback([&run, req, columns] {
    run.command = [&run, req, columns](EvgenClient& client) -> absl::Status {
      for (const std::string& text : *columns) {
        EVGEN_ASSIGN_OR_RETURN(*req->add_columns(), ParseColumnDefinition(text, "--column"));
      }
      EVGEN_ASSIGN_OR_RETURN(v1::Dataset d, client.DeriveDataset(*req));
      run.global.json ? PrintJson(d, *run.out) : PrintDataset(d, *run.out);
      return absl::OkStatus();
    };
  });
}

// WatchUntilDone follows a job with a progress bar; a job that did not
// succeed is an error (exit code 1).
absl::Status WatchUntilDone(EvgenClient& client, const std::string& id, Runner& run) {
  ProgressBar bar(*run.err, ::isatty(STDERR_FILENO) == 1);
  EVGEN_ASSIGN_OR_RETURN(v1::Job job, client.WatchJob(id, [&](const v1::Job& j) { bar.Update(j); }));
  bar.Done();
  run.global.json ? PrintJson(job, *run.out) : PrintJob(job, *run.out);
  if (job.state() != v1::JOB_STATE_SUCCEEDED) {
    return absl::AbortedError(absl::StrCat("job ", id, " ended ", JobStateName(job.state()),
                                           job.error().empty() ? "" : ": " + job.error()));
  }
  return absl::OkStatus();
}

// MergePreset puts {"preset": NAME} into the --config JSON (the config's
// own keys still override the preset's, server-side).
absl::Status MergePreset(const std::string& preset, std::string& config_json) {
  if (preset.empty()) return absl::OkStatus();
  nlohmann::json config = config_json.empty() ? nlohmann::json::object()
                                              : nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object()) return absl::InvalidArgumentError("--config: must be a JSON object");
  if (config.contains("preset") && config["preset"] != preset) {
    return absl::InvalidArgumentError("--preset: the --config JSON names another preset");
  }
  config["preset"] = preset;
  config_json = config.dump();
  return absl::OkStatus();
}

void AddTrainCommand(CLI::App& app, Runner& run) {
  auto req = std::make_shared<v1::SubmitTrainingRequest>();
  auto wait = std::make_shared<bool>(false);
  auto seed = std::make_shared<uint64_t>(1);
  auto preset = std::make_shared<std::string>();
  auto* train = app.add_subcommand("train", "submit a training job");
  train->add_option("kind", *req->mutable_kind(),
                    "model kind, e.g. template, wgan-gp, flow-rqs, cinn or jet-cloud-gan (the server's "
                    "kinds: evgen models presets)")
      ->required();
  train->add_option("--dataset", *req->mutable_training_data()->mutable_dataset(), "training dataset")->required();
  train->add_option("--name", *req->mutable_model_name(), "name to store the model under")->required();
  train->add_option("--region", *req->mutable_training_data()->mutable_region(),
                    "region to train on (default: control for jet tables)");
  train->add_option("--config", *req->mutable_config_json(), "model config as a JSON object");
  train->add_option("--preset", *preset,
                    "start from a paper's setup, e.g. jetmass-gan, dilepton-wgan-gp, ttbar-mmd-gan, "
                    "jet-cloud-gan (each also NAME-small; all: evgen models presets); --config keys override it");
  train->add_option("--seed", *seed, "random seed")->capture_default_str();
  train->add_option("--device", *req->mutable_device(), "auto, cpu or cuda");
  train->add_flag("--wait", *wait, "block until the job ends, showing progress");
  train->callback([&run, req, wait, seed, preset] {
    run.command = [&run, req, wait, seed, preset](EvgenClient& client) -> absl::Status {
      req->set_seed(*seed);
      EVGEN_RETURN_IF_ERROR(MergePreset(*preset, *req->mutable_config_json()));
      EVGEN_ASSIGN_OR_RETURN(v1::Job job, client.SubmitTraining(*req));
      if (*wait) return WatchUntilDone(client, job.id(), run);
      if (run.global.json) return PrintJson(job, *run.out), absl::OkStatus();
      *run.out << "submitted job " << job.id() << "; follow it with: evgen jobs watch " << job.id() << "\n";
      return absl::OkStatus();
    };
  });
}

void AddJobCommands(CLI::App& app, Runner& run) {
  CLI::App* jobs = app.add_subcommand("jobs", "training jobs");
  jobs->require_subcommand(1);
  jobs->add_subcommand("list", "list jobs")->callback([&run] {
    run.command = [&run](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::ListJobsResponse r, client.ListJobs());
      if (run.global.json) return PrintJson(r, *run.out), absl::OkStatus();
      for (const v1::Job& j : r.jobs()) PrintJobLine(j, *run.out);
      return absl::OkStatus();
    };
  });
  auto id = std::make_shared<std::string>();
  auto* get = jobs->add_subcommand("get", "show one job");
  get->add_option("id", *id, "job id")->required();
  get->callback([&run, id] {
    run.command = [&run, id](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::Job j, client.GetJob(*id));
      run.global.json ? PrintJson(j, *run.out) : PrintJob(j, *run.out);
      return absl::OkStatus();
    };
  });
  auto* watch = jobs->add_subcommand("watch", "follow a job's progress until it ends");
  watch->add_option("id", *id, "job id")->required();
  watch->callback([&run, id] {
    run.command = [&run, id](EvgenClient& client) { return WatchUntilDone(client, *id, run); };
  });
  auto* cancel = jobs->add_subcommand("cancel", "stop a queued or running job");
  cancel->add_option("id", *id, "job id")->required();
  cancel->callback([&run, id] {
    run.command = [&run, id](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::Job j, client.CancelJob(*id));
      run.global.json ? PrintJson(j, *run.out) : PrintJob(j, *run.out);
      return absl::OkStatus();
    };
  });
  auto wait = std::make_shared<bool>(false);
  auto* resume = jobs->add_subcommand(
      "resume", "continue an interrupted or cancelled job from its last checkpoint");
  resume->add_option("id", *id, "job id")->required();
  resume->add_flag("--wait", *wait, "block until the job ends, showing progress");
  resume->callback([&run, id, wait] {
    run.command = [&run, id, wait](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::Job j, client.ResumeJob(*id));
      if (*wait) return WatchUntilDone(client, j.id(), run);
      if (run.global.json) return PrintJson(j, *run.out), absl::OkStatus();
      *run.out << "resumed job " << j.id() << "; follow it with: evgen jobs watch " << j.id()
               << "\n";
      return absl::OkStatus();
    };
  });
}

void AddModelCommands(CLI::App& app, Runner& run) {
  CLI::App* models = app.add_subcommand("models", "trained models");
  models->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto version = std::make_shared<int>(0);
  auto* list = models->add_subcommand("list", "list models and their versions");
  list->add_option("name", *name, "only this model's versions");
  list->callback([&run, name] {
    run.command = [&run, name](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::ListModelsResponse r, client.ListModels(*name));
      if (run.global.json) return PrintJson(r, *run.out), absl::OkStatus();
      for (const v1::Model& m : r.models()) PrintModelLine(m, *run.out);
      return absl::OkStatus();
    };
  });
  auto* get = models->add_subcommand("get", "show a model version");
  get->add_option("name", *name, "model name")->required();
  get->add_option("--model-version", *version, "model version (0: latest)");
  get->callback([&run, name, version] {
    run.command = [&run, name, version](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::Model m, client.GetModel(*name, *version));
      run.global.json ? PrintJson(m, *run.out) : PrintModel(m, *run.out);
      return absl::OkStatus();
    };
  });
  auto* presets = models->add_subcommand("presets", "list the model kinds and the named presets with their full configs");
  presets->callback([&run] {
    run.command = [&run](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::ListPresetsResponse r, client.ListPresets());
      if (run.global.json) return PrintJson(r, *run.out), absl::OkStatus();
      PrintPresets(r, *run.out);
      return absl::OkStatus();
    };
  });
  auto* remove = models->add_subcommand("delete", "delete a model version, or all versions");
  remove->add_option("name", *name, "model name")->required();
  remove->add_option("--model-version", *version, "model version (0: every version)");
  remove->callback([&run, name, version] {
    run.command = [&run, name, version](EvgenClient& client) -> absl::Status {
      EVGEN_RETURN_IF_ERROR(client.DeleteModel(*name, *version));
      Report(run, {{"deleted_model", *name}, {"version", *version}},
             absl::StrCat("deleted model ", *name, *version ? absl::StrCat(" version ", *version) : ""));
      return absl::OkStatus();
    };
  });
}

// `evgen health` is the image's HEALTHCHECK and an operator's first
// question: exit 0 when SERVING, 1 otherwise (NOT_SERVING while draining).
void AddHealthCommand(CLI::App& app, Runner& run) {
  auto service = std::make_shared<std::string>();
  auto* health = app.add_subcommand("health", "ask evgend's grpc.health.v1 service; exit 0 only when SERVING");
  health->add_option("--service", *service, "one service, e.g. evgen.v1.SamplingService (default: the server)");
  health->callback([&run, service] {
    run.command = [&run, service](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(std::string status, client.Health(*service));
      Report(run, {{"status", status}}, status);
      if (status != "SERVING") {
        return absl::UnavailableError(absl::StrCat(service->empty() ? "evgend" : *service, " is ", status));
      }
      return absl::OkStatus();
    };
  });
}

// SampleToOutput streams a sample into `out` with a progress line on stderr,
// then reports the rows, the time and the rows out of the training range.
absl::Status SampleToOutput(Runner& run, EvgenClient& client, const v1::SampleRequest& req,
                            const OutputFile& out) {
  const auto start = std::chrono::steady_clock::now();
  v1::SampleChunk summary;
  TransferProgressLine progress(*run.err, ::isatty(STDERR_FILENO) == 1, "sample",
                                TransferProgressLine::Unit::kEvents);
  const absl::Status sampled = client.SampleToFile(
      req, out, &summary, [&progress](int64_t written, int64_t total) { progress.Update(written, total); });
  progress.Done();
  EVGEN_RETURN_IF_ERROR(sampled);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t out_of_range = summary.conditions_out_of_range();
  if (!summary.precision_deviation_column().empty()) {
    *run.err << req.precision() << " checked against fp32 on paired rows: the largest deviation is "
             << summary.precision_deviation() << " standard deviations (column '"
             << summary.precision_deviation_column() << "')\n";
  }
  if (out_of_range > 0) {
    *run.err << "warning: " << out_of_range << " of " << req.n()
             << " rows have conditions outside the model's training range (extrapolated); "
                "--refuse-out-of-range refuses them\n";
  }
  if (req.has_conditions_model()) {
    *run.err << "conditions drawn from model '" << req.conditions_model().model() << "' version "
             << summary.conditions_model_version() << "\n";
  }
  if (run.global.json) {
    PrintJson(nlohmann::json{{"output", out.path},
                             {"rows", req.n()},
                             {"conditions_model_version", summary.conditions_model_version()},
                             {"seconds", seconds},
                             {"conditions_out_of_range", out_of_range},
                             {"precision_deviation", summary.precision_deviation()},
                             {"precision_deviation_column", summary.precision_deviation_column()}},
              *run.out);
  } else {
    *run.out << "wrote " << req.n() << " rows to " << out.path << " in " << seconds << " s\n";
  }
  return absl::OkStatus();
}

void AddSampleCommand(CLI::App& app, Runner& run) {
  auto req = std::make_shared<v1::SampleRequest>();
  auto n = std::make_shared<int64_t>(0);
  auto seed = std::make_shared<uint64_t>(1);
  auto conditions_file = std::make_shared<std::string>();
  auto out = std::make_shared<OutputFile>();
  auto write_options = std::make_shared<std::vector<std::string>>();
  auto* sample = app.add_subcommand(
      "sample",
      "draw N events from a model into a file (npy, csv, hdf5, lhe, hepmc3), written as they arrive "
      "(conditions rows are reused in turn when N exceeds them)");
  sample->add_option("n", *n, "number of rows to generate")->required();
  sample->add_option("--model", *req->mutable_model(), "model name")->required();
  sample->add_option("--model-version", ParsedInto<int>([req](int v) { req->set_version(v); }),
                     "model version (default: latest)");
  auto* from = sample->add_option("--conditions-from", *req->mutable_conditions_from()->mutable_dataset(),
                                  "take conditions from this stored dataset");
  sample->add_option("--region", *req->mutable_conditions_from()->mutable_region(),
                     "region of --conditions-from, e.g. validation");
  auto* file = sample->add_option("--conditions", *conditions_file, "conditions table file (.npy or .csv)")
                   ->excludes(from);
  // Its own strings, not the request's: the request's conditions are a
  // oneof, and a pointer into one member dies when another is set.
  auto conditions_model = std::make_shared<v1::ConditionsModel>();
  auto* model = sample->add_option("--conditions-model", *conditions_model->mutable_model(),
                                   "draw the conditions from this stored unconditional model, e.g. a flow of each "
                                   "jet's pT and mass for a given-jet cloud model (seed derived from --seed)")
                    ->excludes(from)
                    ->excludes(file);
  sample->add_option("--conditions-model-version",
                     ParsedInto<int>([conditions_model](int v) { conditions_model->set_version(v); }),
                     "version of --conditions-model (default: latest)")
      ->needs(model);
  auto keep = std::make_shared<std::vector<std::string>>();
  sample->add_option("--keep", *keep, "condition column to copy into the output (repeatable), e.g. n_track");
  sample->add_option("--seed", *seed, "random seed")->capture_default_str();
  sample->add_option("-o,--output", out->path,
                     "output file: .npy, .csv, .h5/.hdf5, .lhe or .hepmc/.hepmc3 (four-vector models: "
                     "columns <particle>_px_gev ..., docs/formats.md)")
      ->required();
  sample->add_option("--format", out->format, "output format: csv, hdf5, hepmc3, lhe or npy (default: from the extension)");
  sample->add_option("-O,--write-option", *write_options,
                     "writer option KEY=VALUE (repeatable), e.g. pdg_ids=13,-13 for lhe/hepmc3 (docs/formats.md)");
  sample->add_flag("--refuse-out-of-range",
                   [req](int64_t) { req->set_refuse_out_of_range(true); },
                   "refuse conditions outside the model's training range instead of flagging them");
  sample->add_flag("--with-log-density",
                   [req](int64_t) { req->set_with_log_density(true); },
                   "add a log_density column: log p(x | c) of each event under the model (flows, cINNs)");
  sample->add_option("--device", *req->mutable_device(), "device to sample on: auto, cpu or cuda (the server's)");
  sample->add_option("--precision", *req->mutable_precision(),
                     "fp32 (default: the model's exact bytes), bf16 or fp16 (GPU): faster where the hardware has it; "
                     "refused when the model in it deviates from fp32 by more than the server's --precision-tolerance");
  sample->callback([&run, req, n, seed, conditions_file, conditions_model, out, write_options, keep] {
    run.command = [&run, req, n, seed, conditions_file, conditions_model, out, write_options,
                   keep](EvgenClient& client) -> absl::Status {
      req->set_n(*n);
      for (const std::string& k : *keep) req->add_keep_columns(k);
      req->set_seed(*seed);
      EVGEN_ASSIGN_OR_RETURN(out->options, ParseKeyValues(*write_options, "--write-option"));
      EVGEN_RETURN_IF_ERROR(CheckTableFormat(out->format));
      if (!conditions_file->empty()) {
        EVGEN_ASSIGN_OR_RETURN(Table conditions, ReadTableFile(*conditions_file));
        EncodeTable(conditions, req->mutable_conditions_table());
      } else if (req->conditions_from().dataset().empty()) {
        req->clear_conditions_from();
      }
      if (!conditions_model->model().empty()) *req->mutable_conditions_model() = *conditions_model;
      return SampleToOutput(run, client, *req, *out);
    };
  });
}

void AddDensityCommand(CLI::App& app, Runner& run) {
  auto model = std::make_shared<std::string>();
  auto version = std::make_shared<int>(0);
  auto input = std::make_shared<std::string>();
  auto out = std::make_shared<OutputFile>();
  auto* density = app.add_subcommand(
      "density",
      "log p(x | c) of the events in a file under a model with a density (flows, cINNs), written beside "
      "them as a log_density column");
  density->add_option("events", *input, "events file (.npy, .csv, .h5, .lhe, .hepmc3)")->required();
  density->add_option("--model", *model, "model name")->required();
  density->add_option("--model-version", *version, "model version (default: latest)");
  density->add_option("-o,--output", out->path, "output file: the events and their log_density")->required();
  density->add_option("--format", out->format, "output format (default: from the extension)");
  density->callback([&run, model, version, input, out] {
    run.command = [&run, model, version, input, out](EvgenClient& client) -> absl::Status {
      EVGEN_RETURN_IF_ERROR(CheckTableFormat(out->format));
      EVGEN_ASSIGN_OR_RETURN(Table events, ReadTableFile(*input));
      if (events.HasColumn("log_density")) {
        return absl::InvalidArgumentError(absl::StrCat(*input, ": already has a column 'log_density'"));
      }
      EVGEN_ASSIGN_OR_RETURN(std::vector<double> log_p, client.Density(*model, *version, events));
      // AppendColumn keeps the file's weights, exact integer columns and labels.
      EVGEN_RETURN_IF_ERROR(events.AppendColumn("log_density", std::vector<float>(log_p.begin(), log_p.end())));
      EVGEN_RETURN_IF_ERROR(WriteTableFile(out->path, events, out->format, out->options));
      double mean = 0;
      for (double v : log_p) mean += v / static_cast<double>(std::max<size_t>(1, log_p.size()));
      Report(run, {{"output", out->path}, {"rows", events.num_rows()}, {"mean_log_density", mean}},
             absl::StrCat("wrote log p of ", events.num_rows(), " events to ", out->path, " (mean log p ", mean, ")"));
      return absl::OkStatus();
    };
  });
}

void AddUnweightCommand(CLI::App& app, Runner& run) {
  auto req = std::make_shared<v1::UnweightRequest>();
  auto out = std::make_shared<OutputFile>();
  auto* unweight = app.add_subcommand(
      "unweight",
      "turn a stored dataset's weighted events into events of weight one (accept-reject); prints the "
      "unweighting efficiency <w>/w_max");
  unweight->add_option("dataset", *req->mutable_events()->mutable_dataset(), "weighted dataset")->required();
  unweight->add_option("--region", *req->mutable_events()->mutable_region(), "only this region");
  unweight->add_option("--log-target", *req->mutable_log_target_column(),
                       "column of log target densities: weights exp(log_target - log_proposal), times the "
                       "events' own weights if they have any");
  unweight->add_option("--log-proposal", *req->mutable_log_proposal_column(),
                       "column of log proposal densities (with --log-target)");
  unweight->add_option("--seed", ParsedInto<uint64_t>([req](uint64_t seed) { req->set_seed(seed); }),
                       "random seed (default 1)");
  req->set_seed(1);
  unweight->add_option("-o,--output", out->path, "output file: .npy, .csv, .h5, .lhe or .hepmc3")->required();
  unweight->add_option("--format", out->format, "output format (default: from the extension)");
  unweight->callback([&run, req, out] {
    run.command = [&run, req, out](EvgenClient& client) -> absl::Status {
      EVGEN_RETURN_IF_ERROR(CheckTableFormat(out->format));
      v1::UnweightChunk summary;
      EVGEN_RETURN_IF_ERROR(client.UnweightToFile(*req, *out, &summary));
      Report(run,
             {{"output", out->path},
              {"input_rows", summary.input_rows()},
              {"kept_rows", summary.total_rows()},
              {"mean_weight", summary.mean_weight()},
              {"max_weight", summary.max_weight()},
              {"efficiency", summary.efficiency()}},
             absl::StrCat("kept ", summary.total_rows(), " of ", summary.input_rows(), " events (efficiency <w>/w_max = ",
                          summary.efficiency(), ", <w> ", summary.mean_weight(), ", w_max ", summary.max_weight(),
                          ") into ", out->path));
      return absl::OkStatus();
    };
  });
}

void AddMetricsCommands(CLI::App& app, Runner& run) {
  CLI::App* metrics = app.add_subcommand("metrics", "compare generated and reference samples");
  metrics->require_subcommand(1);
  auto reference = std::make_shared<std::string>();
  auto candidate = std::make_shared<std::string>();
  auto names = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<std::vector<std::string>>();
  auto seed = std::make_shared<uint64_t>(1);
  auto* compare = metrics->add_subcommand(
      "compare", "metrics of CANDIDATE against REFERENCE; each is a .npy/.csv file or DATASET[:REGION]");
  compare->add_option("reference", *reference, "reference table")->required();
  compare->add_option("candidate", *candidate, "candidate (generated) table")->required();
  compare->add_option("-m,--metric", *names, "metric name (repeatable), e.g. separation-power")->required();
  compare->add_option("-O,--option", *options,
                      "metric option KEY=VALUE for every metric, or METRIC.KEY=VALUE for one");
  compare->add_option("--seed", *seed, "seed for resampling-based errors")->capture_default_str();
  auto selections = std::make_shared<SelectionFlags>();
  selections->Add(compare);
  compare->callback([&run, reference, candidate, names, options, seed, selections] {
    run.command = [&run, reference, candidate, names, options, seed, selections](EvgenClient& client) -> absl::Status {
      v1::CompareRequest req;
      TableSources sources(client);
      EVGEN_ASSIGN_OR_RETURN(*req.mutable_reference(), sources.Resolve(*reference));
      EVGEN_ASSIGN_OR_RETURN(*req.mutable_candidate(), sources.Resolve(*candidate));
      EVGEN_RETURN_IF_ERROR(selections->Apply("reference", req.mutable_reference()));
      EVGEN_RETURN_IF_ERROR(selections->Apply("candidate", req.mutable_candidate()));
      EVGEN_ASSIGN_OR_RETURN(std::vector<v1::MetricSpec> specs, MetricSpecs(*names, *options));
      for (v1::MetricSpec& spec : specs) *req.add_metrics() = std::move(spec);
      req.set_seed(*seed);
      EVGEN_ASSIGN_OR_RETURN(v1::CompareResponse r, client.Compare(req));
      run.global.json ? PrintJson(r, *run.out) : PrintComparison(r, *run.out);
      return absl::OkStatus();
    };
  });
  metrics->add_subcommand("list", "list the metrics the server computes")->callback([&run] {
    run.command = [&run](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(v1::ListMetricsResponse r, client.ListMetrics());
      if (run.global.json) return PrintJson(r, *run.out), absl::OkStatus();
      for (const auto& m : r.metrics()) *run.out << m.name() << ": " << m.description() << "\n";
      return absl::OkStatus();
    };
  });
}

// AddVersionFlags gives every subcommand its own --version, so it answers
// even where required arguments are missing (`evgen sample --version`).
void AddVersionFlags(CLI::App& app, const std::string& version) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->set_version_flag("--version", version);
    AddVersionFlags(*sub, version);
  }
}

// PeakFits is a mass-peak result as the report shows it: what was fitted,
// and each table's position and width with their errors.
nlohmann::json PeakFits(const nlohmann::json& details) {
  nlohmann::json peak = {{"fitted", details.value("fitted", "")}, {"shape", details.value("shape", "")}};
  for (const char* side : {"reference", "candidate"}) peak[side] = details.value(side, nlohmann::json::object());
  return peak;
}

// FitNumber reads a fit's number; NaN (JSON null) and absent fields read NaN.
double FitNumber(const nlohmann::json& fit, const char* key) {
  const auto it = fit.find(key);
  return it != fit.end() && it->is_number() ? it->get<double>() : std::nan("");
}

// PrintPeakFits shows the report's peak fits on the terminal too.
void PrintPeakFits(const nlohmann::json& data, std::ostream& out) {
  for (const nlohmann::json& peak : data.value("peaks", nlohmann::json::array())) {
    out << "mass-peak of " << peak.value("fitted", "") << " (" << peak.value("shape", "") << "):\n";
    for (const char* side : {"reference", "candidate"}) {
      const nlohmann::json& fit = peak[side];
      const bool converged = fit.value("converged", false);
      out << absl::StrFormat("  %-9s M = %.3f +- %.3f GeV, width = %.3f +- %.3f GeV, %.0f entries%s\n", side,
                             FitNumber(fit, "position_gev"), FitNumber(fit, "position_error_gev"),
                             FitNumber(fit, "width_gev"), FitNumber(fit, "width_error_gev"),
                             FitNumber(fit, "entries"), converged ? "" : " (not converged)");
    }
  }
}

// ReportData assembles the report's JSON from a Compare response that holds
// the "histograms" and "correlations" results beside the scalar metrics.
nlohmann::json ReportData(const v1::CompareResponse& response, const std::string& reference,
                          const std::string& candidate) {
  nlohmann::json data = {{"title", "evgen comparison report"},
                         {"reference", reference},
                         {"candidate", candidate},
                         {"features", nlohmann::json::array()},
                         {"metrics", nlohmann::json::array()},
                         {"peaks", nlohmann::json::array()}};
  for (const v1::MetricResult& r : response.results()) {
    nlohmann::json details = nlohmann::json::parse(r.details_json(), nullptr, false);
    if (r.name() == "histograms" && details.is_object()) {
      data["features"] = details.value("features", nlohmann::json::array());
    } else if (r.name() == "correlations" && details.is_object()) {
      data["correlations"] = details;
      data["metrics"].push_back({{"name", "max |pearson difference|"}, {"value", r.value()}, {"uncertainty", -1}});
    } else {
      if (r.name() == "mass-peak" && details.is_object()) data["peaks"].push_back(PeakFits(details));
      if (r.name() == "calibration" && details.is_object()) data["calibration"] = details;
      nlohmann::json warnings = std::vector<std::string>(r.warnings().begin(), r.warnings().end());
      data["metrics"].push_back(
          {{"name", r.name()}, {"value", r.value()}, {"uncertainty", r.uncertainty()}, {"warnings", warnings}});
    }
  }
  return data;
}

// ReadFigures reads each --figure file as JSON, before any call to the
// server, so a bad file fails fast; RenderHtmlReport checks their fields.
absl::StatusOr<nlohmann::json> ReadFigures(const std::vector<std::string>& paths) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> text = ReadFileToString(path);
    if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat("--figure: cannot read ", path));
    nlohmann::json figure = nlohmann::json::parse(*text, nullptr, false);
    if (!figure.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("--figure: ", path, " is not a JSON object"));
    }
    out.push_back(std::move(figure));
  }
  return out;
}

void AddReportCommand(CLI::App& app, Runner& run) {
  auto reference = std::make_shared<std::string>();
  auto candidate = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto names = std::make_shared<std::vector<std::string>>();
  auto columns = std::make_shared<std::string>();
  auto seed = std::make_shared<uint64_t>(1);
  auto* report = app.add_subcommand(
      "report", "write a self-contained HTML report comparing CANDIDATE with REFERENCE (files or DATASET[:REGION])");
  report->add_option("reference", *reference, "reference table")->required();
  report->add_option("candidate", *candidate, "candidate (generated) table")->required();
  report->add_option("-o,--output", *output, "HTML file to write")->required();
  report->add_option("-m,--metric", *names, "scalar metric to include (repeatable)");
  report->add_option("--columns", *columns, "features to plot, comma-separated (default: all shared numeric ones)");
  report->add_option("--seed", *seed, "seed for resampling-based errors")->capture_default_str();
  auto options = std::make_shared<std::vector<std::string>>();
  report->add_option("-O,--option", *options,
                     "option of the -m metrics: KEY=VALUE for every one, METRIC.KEY=VALUE for one "
                     "(e.g. mass-peak.column=m_mumu)");
  auto figures = std::make_shared<std::vector<std::string>>();
  report->add_option("--figure", *figures,
                     "JSON file of a line plot to add under Figures (repeatable; format in "
                     "client/report/line_plot.h, e.g. the one scripts/ganplification.sh writes)");
  auto selections = std::make_shared<SelectionFlags>();
  selections->Add(report);
  report->callback([&run, reference, candidate, output, names, columns, seed, options, figures, selections] {
    run.command = [&run, reference, candidate, output, names, columns, seed, options, figures,
                   selections](EvgenClient& client) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(nlohmann::json figure_data, ReadFigures(*figures));
      v1::CompareRequest req;
      TableSources sources(client);
      EVGEN_ASSIGN_OR_RETURN(*req.mutable_reference(), sources.Resolve(*reference));
      EVGEN_ASSIGN_OR_RETURN(*req.mutable_candidate(), sources.Resolve(*candidate));
      EVGEN_RETURN_IF_ERROR(selections->Apply("reference", req.mutable_reference()));
      EVGEN_RETURN_IF_ERROR(selections->Apply("candidate", req.mutable_candidate()));
      req.set_seed(*seed);
      for (const std::string& name : {std::string("histograms"), std::string("correlations")}) {
        v1::MetricSpec* spec = req.add_metrics();
        spec->set_name(name);
        if (!columns->empty()) (*spec->mutable_options())["columns"] = *columns;
      }
      EVGEN_ASSIGN_OR_RETURN(std::vector<v1::MetricSpec> specs, MetricSpecs(*names, *options));
      for (v1::MetricSpec& spec : specs) *req.add_metrics() = std::move(spec);
      EVGEN_ASSIGN_OR_RETURN(v1::CompareResponse response, client.Compare(req));
      nlohmann::json data = ReportData(response, *reference + selections->Describe("reference"),
                                       *candidate + selections->Describe("candidate"));
      if (!figure_data.empty()) data["figures"] = std::move(figure_data);
      if (run.global.json) {
        PrintJson(data, *run.out);
        return absl::OkStatus();
      }
      EVGEN_ASSIGN_OR_RETURN(std::string html, report::RenderHtmlReport(data));
      EVGEN_RETURN_IF_ERROR(WriteFileAtomically(*output, html));
      *run.out << "wrote " << *output << " (" << data["features"].size() << " features, "
               << data["metrics"].size() << " metrics)\n";
      PrintPeakFits(data, *run.out);
      return absl::OkStatus();
    };
  });
}

std::string CodeName(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Runner run{{DefaultServer(), DefaultToken()}, nullptr, &out, &err};
  CLI::App app{"evgen: train, sample and evaluate machine-learned event generators on an evgend server"};
  app.set_version_flag("--version", std::string("evgen ") + EVGEN_VERSION);
  app.add_option("--server", run.global.server, "evgend address HOST:PORT (env EVGEN_SERVER)")
      ->capture_default_str();
  // The token is never echoed: no capture_default_str.
  app.add_option("--token", run.global.token, "bearer token for a server run with --auth-tokens (env EVGEN_TOKEN)");
  app.add_option("--tls-ca", run.global.tls_ca, "use TLS, trusting the server certificate's CA in this PEM file");
  app.add_option("--tls-cert", run.global.tls_cert, "client certificate (PEM) for a server that asks for one");
  app.add_option("--tls-key", run.global.tls_key, "the client certificate's private key (PEM)");
  app.add_flag("--json", run.global.json, "print JSON for scripts");
  app.add_option("--timeout", run.global.timeout_s, "deadline of each call in seconds")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.require_subcommand(1);
  // Global flags may follow the subcommand too: `evgen jobs list --json`.
  app.fallthrough();
  AddDatasetCommands(app, run);
  AddDeriveCommand(app.get_subcommand("datasets"), run);
  AddTrainCommand(app, run);
  AddJobCommands(app, run);
  AddModelCommands(app, run);
  AddSampleCommand(app, run);
  AddUnweightCommand(app, run);
  AddDensityCommand(app, run);
  AddHealthCommand(app, run);
  AddMetricsCommands(app, run);
  AddReportCommand(app, run);
  AddVersionFlags(app, std::string("evgen ") + EVGEN_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? 0 : 2;
  }
  if (!run.command) return 2;
  ClientOptions options;
  options.call_timeout = std::chrono::seconds(run.global.timeout_s);
  options.token = run.global.token;
  if (absl::Status tls = ReadTlsFiles(run.global, options); !tls.ok()) {
    err << "evgen: " << CodeName(tls.code()) << ": " << tls.message() << "\n";
    return 1;
  }
  EvgenClient client(run.global.server, options);
  absl::Status status = run.command(client);
  if (!status.ok()) {
    err << "evgen: " << CodeName(status.code()) << ": " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace evgen::cli
