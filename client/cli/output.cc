#include "client/cli/output.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace evgen::cli {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Bar draws `fraction` (0..1) as 30 characters of '#' and '.'.
std::string Bar(double fraction) {
  constexpr int kWidth = 30;
  const int filled = std::clamp(static_cast<int>(fraction * kWidth), 0, kWidth);
  return std::string(filled, '#') + std::string(kWidth - filled, '.');
}

std::string Fraction(const v1::JobProgress& p) {
  if (p.total_steps() <= 0) return "";
  return absl::StrFormat("%3.0f%%", 100.0 * p.step() / p.total_steps());
}

}  // namespace

namespace {

// JsonNumber turns protobuf's JSON text for a 64-bit integer (a string, since
// JavaScript numbers are doubles) back into a number for scripts.
void JsonNumber(const google::protobuf::FieldDescriptor* field, nlohmann::json& value) {
  using FD = google::protobuf::FieldDescriptor;
  if (!value.is_string()) return;
  const std::string text = value.get<std::string>();
  try {
    if (field->cpp_type() == FD::CPPTYPE_INT64) value = std::stoll(text);
    if (field->cpp_type() == FD::CPPTYPE_UINT64) value = std::stoull(text);
  } catch (const std::exception&) {
    // Left as protobuf printed it.
  }
}

// NativeJson rewrites a message's JSON (field names as in the proto) so
// that 64-bit integers are numbers and the *_json string fields (metric
// details, model configs) are nested JSON rather than JSON inside a string.
void NativeJson(const google::protobuf::Descriptor* type, nlohmann::json& object) {
  using FD = google::protobuf::FieldDescriptor;
  if (!object.is_object()) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FD* field = type->field(i);
    auto it = object.find(field->name());
    if (it == object.end()) continue;
    nlohmann::json& value = *it;
    auto fix = [&](nlohmann::json& v) {
      if (field->cpp_type() == FD::CPPTYPE_MESSAGE) {
        NativeJson(field->message_type(), v);
      } else if (field->cpp_type() == FD::CPPTYPE_STRING && field->name().size() > 5 &&
                 field->name().compare(field->name().size() - 5, 5, "_json") == 0 && v.is_string()) {
        nlohmann::json parsed = nlohmann::json::parse(v.get<std::string>(), nullptr, false);
        if (!parsed.is_discarded()) v = std::move(parsed);
      } else {
        JsonNumber(field, v);
      }
    };
    if (field->is_map()) {
      const FD* map_value = field->message_type()->FindFieldByName("value");
      for (auto& [key, v] : value.items()) {
        if (map_value->cpp_type() == FD::CPPTYPE_MESSAGE) {
          NativeJson(map_value->message_type(), v);
        } else {
          JsonNumber(map_value, v);
        }
      }
    } else if (field->is_repeated() && value.is_array()) {
      for (nlohmann::json& v : value) fix(v);
    } else {
      fix(value);
    }
  }
}

}  // namespace

void PrintJson(const google::protobuf::Message& message, std::ostream& out) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  (void)google::protobuf::util::MessageToJsonString(message, &text, options);
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) {
    out << text << "\n";
    return;
  }
  NativeJson(message.GetDescriptor(), json);
  PrintJson(json, out);
}

void PrintJson(const nlohmann::json& json, std::ostream& out) { out << json.dump(2) << "\n"; }

std::string JobStateName(v1::JobState state) {
  std::string name = v1::JobState_Name(state);
  const std::string prefix = "JOB_STATE_";
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

void PrintDatasetLine(const v1::Dataset& d, std::ostream& out) {
  out << absl::StrFormat("%-24s %10d rows  %2d columns  %s\n", d.name(), d.rows(), d.columns_size(),
                         d.source());
}

namespace {

// PrintReadReportOrThrow shows what an upload's reader kept and left out.
void PrintReadReportOrThrow(const nlohmann::json& report, std::ostream& out) {
  const int64_t in_file = report.value("events_in_file", int64_t{0});
  if (in_file > 0) {
    out << "read: " << report.value("events_kept", int64_t{0}) << " of " << in_file
        << " events kept";
    // Held in a variable: items() of a temporary would outlive it.
    const nlohmann::json skipped = report.value("events_skipped", nlohmann::json::object());
    for (const auto& [reason, count] : skipped.items()) {
      if (count.is_number()) out << "; skipped " << count.get<int64_t>() << " (" << reason << ")";
    }
    out << "\n";
  }
  const nlohmann::json per = report.value("events_per_multiplicity", nlohmann::json::object());
  if (per.size() > 1) {
    out << "events per multiplicity:";
    for (const auto& [n, count] : per.items()) {
      if (count.is_number()) out << " " << n << ": " << count.get<int64_t>();
    }
    out << "\n";
  }
  if (report.contains("non_finite_values") && report["non_finite_values"].is_number() &&
      report["non_finite_values"].get<int64_t>() > 0) {
    out << "non-finite values kept: " << report["non_finite_values"].get<int64_t>() << "\n";
  }
  for (const auto& note : report.value("notes", nlohmann::json::array())) {
    if (note.is_string()) out << "note: " << note.get<std::string>() << "\n";
  }
}

// PrintReadReport shows the report, or nothing for a record it cannot read
// (a newer server's, say): it is a summary, never a reason to fail.
void PrintReadReport(const std::string& text, std::ostream& out) {
  const nlohmann::json report = nlohmann::json::parse(text, nullptr, false);
  if (!report.is_object() || !report.contains("events_in_file")) return;
  try {
    PrintReadReportOrThrow(report, out);
  } catch (const nlohmann::json::exception&) {
    out << "\n";
  }
}

}  // namespace

void PrintDataset(const v1::Dataset& d, std::ostream& out) {
  out << "dataset " << d.name() << ": " << d.rows() << " rows, source " << d.source() << ", seed "
      << d.seed() << "\n";
  if (d.weighted()) {
    out << absl::StrFormat("event weights: sum %.6g, %d negative\n", d.weight_sum(),
                           d.negative_weights());
  }
  PrintReadReport(d.read_report_json(), out);
  if (!d.int64_columns().empty()) {
    out << "exact integer columns: " << absl::StrJoin(d.int64_columns(), ", ") << "\n";
  }
  if (!d.category_columns().empty()) {
    out << "categorical columns: " << absl::StrJoin(d.category_columns(), ", ") << "; codes: ";
    for (int i = 0; i < d.category_labels_size(); ++i) {
      out << (i ? ", " : "") << i << " = " << d.category_labels(i);
    }
    out << "\n";
  }
  if (!d.region_rows().empty()) {
    out << "regions:";
    for (const char* region : {"control", "validation", "signal", "none"}) {
      auto it = d.region_rows().find(region);
      out << " " << region << " " << (it == d.region_rows().end() ? 0 : it->second);
    }
    out << "\n";
  }
  out << absl::StrFormat("%-14s %11s %11s %11s %11s %11s %11s %11s\n", "column", "mean", "std", "min",
                         "q01", "median", "q99", "max");
  for (const v1::ColumnSummary& s : d.summaries()) {
    // The stored quantiles are at 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99.
    const bool q = s.quantiles_size() == 7;
    out << absl::StrFormat("%-14s %11.5g %11.5g %11.5g %11.5g %11.5g %11.5g %11.5g\n", s.name(), s.mean(),
                           s.std(), s.min(), q ? s.quantiles(0) : s.min(), q ? s.quantiles(3) : s.mean(),
                           q ? s.quantiles(6) : s.max(), s.max());
  }
}

void PrintJobLine(const v1::Job& job, std::ostream& out) {
  out << absl::StrFormat("%-18s %-11s %-20s %s %s\n", job.id(), JobStateName(job.state()),
                         job.model_name(), Fraction(job.progress()),
                         job.model_version() > 0 ? absl::StrCat("-> version ", job.model_version())
                                                 : job.error());
}

void PrintJob(const v1::Job& job, std::ostream& out) {
  out << "job " << job.id() << " (" << job.type() << "): " << JobStateName(job.state()) << "\n";
  out << "model: " << job.model_name();
  if (job.model_version() > 0) out << " version " << job.model_version();
  out << "\n";
  const v1::JobProgress& p = job.progress();
  out << "progress: step " << p.step() << "/" << p.total_steps();
  if (!p.message().empty()) out << " (" << p.message() << ")";
  out << "\n";
  if (job.resumes() > 0) out << "resumed: " << job.resumes() << (job.resumes() == 1 ? " time\n" : " times\n");
  if (!job.error().empty()) out << "error: " << job.error() << "\n";
}

void PrintModelLine(const v1::Model& m, std::ostream& out) {
  out << absl::StrFormat("%-24s v%-3d %-10s trained on %s/%s  [%s] -> [%s]\n", m.name(), m.version(),
                         m.kind(), m.dataset(), m.region(), absl::StrJoin(m.condition_columns(), ", "),
                         absl::StrJoin(m.target_columns(), ", "));
}

void PrintPresets(const v1::ListPresetsResponse& r, std::ostream& out) {
  std::map<std::string, std::vector<std::string>> kinds;
  for (const v1::ModelKind& k : r.kinds()) kinds[k.family()].push_back(k.kind());
  out << "kinds:\n";
  for (const auto& [family, names] : kinds) out << "  " << family << ": " << absl::StrJoin(names, ", ") << "\n";
  out << "presets (evgen --json models presets shows each full config):\n";
  for (const v1::Preset& p : r.presets()) {
    out << absl::StrFormat("  %-24s %-9s %s\n", p.name(), p.kind(), p.description());
  }
}

void PrintModel(const v1::Model& m, std::ostream& out) {
  PrintModelLine(m, out);
  out << "job: " << m.job_id() << "  seed: " << m.seed() << "\n";
  out << "config: " << m.config_json() << "\n";
  const nlohmann::json description = nlohmann::json::parse(m.description_json(), nullptr, false);
  if (description.is_object() && description.contains("empty_cells")) {
    out << "empty cells: " << description["empty_cells"].size() << "\n";
  }
  out << "metrics: " << m.metrics_json() << "\n";
}

void PrintComparison(const v1::CompareResponse& response, std::ostream& out) {
  out << "reference rows: " << response.reference_rows()
      << ", candidate rows: " << response.candidate_rows() << "\n";
  for (const v1::MetricResult& r : response.results()) {
    out << absl::StrFormat("%-20s %.5f", r.name(), r.value());
    if (r.uncertainty() >= 0) out << absl::StrFormat(" +- %.5f", r.uncertainty());
    out << "\n";
    for (const std::string& w : r.warnings()) out << "  warning: " << w << "\n";
  }
}

void ProgressBar::Update(const v1::Job& job) {
  const v1::JobProgress& p = job.progress();
  const double fraction = p.total_steps() > 0 ? double(p.step()) / p.total_steps() : 0;
  std::string eta = p.eta_seconds() >= 0 ? absl::StrFormat(" ETA %.0fs", p.eta_seconds()) : "";
  if (terminal_) {
    out_ << "\r" << absl::StrFormat("%-11s [%s] %3.0f%% step %d/%d%s   ", JobStateName(job.state()),
                                    Bar(fraction), 100 * fraction, p.step(), p.total_steps(), eta)
         << std::flush;
    drawn_ = true;
    return;
  }
  const int64_t now = NowMs();
  if (job.state() == last_state_ && now - last_print_ms_ < 1000) return;
  last_print_ms_ = now;
  last_state_ = job.state();
  out_ << absl::StrFormat("%s %s step %d/%d%s\n", job.id(), JobStateName(job.state()), p.step(),
                          p.total_steps(), eta);
}

void ProgressBar::Done() {
  if (terminal_ && drawn_) out_ << "\n";
}

TransferProgressLine::TransferProgressLine(std::ostream& out, bool terminal, std::string label,
                                           Unit unit)
    : out_(out), terminal_(terminal), label_(std::move(label)), unit_(unit), start_ms_(NowMs()) {}

std::string TransferProgressLine::Amount(int64_t done, int64_t total, double seconds) const {
  if (unit_ == Unit::kBytes) {
    const double mib = done / 1048576.0;
    return absl::StrFormat("%.1f MiB, %.1f MiB/s", mib, mib / seconds);
  }
  return absl::StrFormat("%d/%d events, %.0f events/s", done, total, done / seconds);
}

void TransferProgressLine::Update(int64_t done, int64_t total) {
  const int64_t now = NowMs();
  // A terminal redraws at most 10 times a second; logs get a line every 5 s.
  const int64_t every_ms = terminal_ ? 100 : 5000;
  if (now - last_print_ms_ < every_ms && done < total) return;
  if (!terminal_ && now - start_ms_ < every_ms) return;
  last_print_ms_ = now;
  const double fraction = total > 0 ? static_cast<double>(done) / total : 1.0;
  const std::string amount = Amount(done, total, std::max(1e-3, (now - start_ms_) / 1000.0));
  if (terminal_) {
    out_ << "\r" << absl::StrFormat("%s [%s] %3.0f%% %s   ", label_, Bar(fraction), 100 * fraction, amount)
         << std::flush;
    drawn_ = true;
    return;
  }
  out_ << absl::StrFormat("%s %3.0f%% %s\n", label_, 100 * fraction, amount);
}

void TransferProgressLine::Done() {
  if (terminal_ && drawn_) out_ << "\n";
}

}  // namespace evgen::cli
