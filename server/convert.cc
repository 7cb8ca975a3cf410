#include "server/convert.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "wire/table_codec.h"

namespace evgen {

void ToProto(const DatasetInfo& info, v1::Dataset* out) {
  out->set_name(info.name);
  out->set_rows(info.rows);
  for (const std::string& c : info.columns) out->add_columns(c);
  out->set_source(info.source);
  out->set_seed(info.seed);
  out->set_created_unix(info.created_unix);
  for (const ColumnSummary& s : info.summaries) {
    v1::ColumnSummary* p = out->add_summaries();
    p->set_name(s.name);
    p->set_mean(s.mean);
    p->set_std(s.stddev);
    p->set_min(s.min);
    p->set_max(s.max);
    p->set_non_finite(s.non_finite);
    if (s.quantiles.size() == SummaryQuantileLevels().size()) {
      for (size_t i = 0; i < s.quantiles.size(); ++i) {
        p->add_quantile_levels(SummaryQuantileLevels()[i]);
        p->add_quantiles(s.quantiles[i]);
      }
    }
  }
  out->mutable_region_rows()->insert(info.region_rows.begin(), info.region_rows.end());
  out->set_weighted(info.weighted);
  out->set_weight_sum(info.weight_sum);
  out->set_negative_weights(info.negative_weights);
  for (const std::string& c : info.int64_columns) out->add_int64_columns(c);
  for (const std::string& l : info.category_labels) out->add_category_labels(l);
  for (const std::string& c : info.category_columns) out->add_category_columns(c);
  out->set_read_report_json(info.read_report);
}

void ToProto(const ReferenceSimulatorInfo& info, v1::ReferenceSimulator* out) {
  out->set_name(info.name);
  out->set_description(info.description);
  for (const std::string& o : info.options) out->add_options(o);
}

v1::JobState ToProto(JobState state) {
  switch (state) {
    case JobState::kQueued: return v1::JOB_STATE_QUEUED;
    case JobState::kRunning: return v1::JOB_STATE_RUNNING;
    case JobState::kSucceeded: return v1::JOB_STATE_SUCCEEDED;
    case JobState::kFailed: return v1::JOB_STATE_FAILED;
    case JobState::kCancelled: return v1::JOB_STATE_CANCELLED;
    case JobState::kInterrupted: return v1::JOB_STATE_INTERRUPTED;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

void ToProto(const JobRecord& record, v1::Job* out) {
  out->set_id(record.id);
  out->set_type(record.type);
  out->set_state(ToProto(record.state));
  v1::JobProgress* p = out->mutable_progress();
  p->set_step(record.progress.step);
  p->set_total_steps(record.progress.total_steps);
  for (const auto& [name, value] : record.progress.losses) (*p->mutable_losses())[name] = value;
  p->set_has_validation_metric(record.progress.has_validation_metric || record.progress.validation_metric >= 0);
  p->set_validation_metric(record.progress.validation_metric);
  p->set_events_per_second(record.events_per_second);
  p->set_eta_seconds(record.eta_seconds);
  p->set_message(record.progress.message);
  out->set_error(record.error);
  out->set_model_name(record.request.value("model_name", ""));
  out->set_model_version(record.result.value("version", 0));
  out->set_created_unix_ms(record.created_unix_ms);
  out->set_started_unix_ms(record.started_unix_ms);
  out->set_finished_unix_ms(record.finished_unix_ms);
  out->set_request_json(record.request.dump());
  out->set_result_json(record.result.dump());
  out->set_resumes(record.resumes);
}

void ToProto(const ModelRecord& record, v1::Model* out) {
  out->set_name(record.name);
  out->set_version(record.version);
  out->set_kind(record.kind);
  for (const std::string& c : record.condition_columns) out->add_condition_columns(c);
  for (const std::string& c : record.target_columns) out->add_target_columns(c);
  out->set_dataset(record.dataset);
  out->set_region(record.region);
  out->set_job_id(record.job_id);
  out->set_seed(record.seed);
  out->set_created_unix(record.created_unix);
  out->set_config_json(record.config.dump());
  out->set_description_json(record.description.dump());
  out->set_metrics_json(record.metrics.dump());
}

void ToProto(const MetricOutcome& outcome, v1::MetricResult* out) {
  out->set_name(outcome.name);
  out->set_value(outcome.value);
  out->set_uncertainty(outcome.uncertainty);
  out->set_details_json(outcome.details.dump());
  for (const std::string& w : outcome.warnings) out->add_warnings(w);
}

void ToProto(const MetricInfo& info, v1::MetricInfo* out) {
  out->set_name(info.name);
  out->set_description(info.description);
  for (const std::string& o : info.options) out->add_options(o);
}

namespace {

DeriveSpec ToDeriveSpec(const google::protobuf::RepeatedPtrField<v1::DerivedColumn>& columns,
                        const std::string& where) {
  DeriveSpec spec;
  for (const v1::DerivedColumn& c : columns) spec.columns.push_back({c.name(), c.expression()});
  spec.where = where;
  return spec;
}

// SelectionLabel names a selection in provenance: "cms", "qcd:validation",
// "cms [where Q1*Q2 < 0]".
std::string SelectionLabel(const v1::DatasetSelection& selection) {
  std::string label = selection.dataset();
  if (!selection.region().empty() && selection.region() != "all") absl::StrAppend(&label, ":", selection.region());
  const std::string derived = DescribeDerive(DeriveSpecOf(selection));
  if (!derived.empty()) absl::StrAppend(&label, " [", derived, "]");
  return label;
}

}  // namespace

DeriveSpec DeriveSpecOf(const v1::DatasetSelection& selection) {
  return ToDeriveSpec(selection.derived(), selection.where());
}

void ToProto(const PresetInfo& info, v1::Preset* out) {
  out->set_name(info.preset.name);
  out->set_kind(info.preset.kind);
  out->set_family(info.family);
  out->set_description(info.preset.description);
  out->set_config_json(info.resolved.dump());
}

DatasetQuery QueryOf(const v1::DatasetSelection& selection) {
  DatasetQuery query;
  query.dataset = selection.dataset();
  query.region = selection.region();
  query.derive = DeriveSpecOf(selection);
  query.columns.assign(selection.columns().begin(), selection.columns().end());
  query.max_rows = selection.max_rows();
  return query;
}

namespace {

ConditionsModel ConditionsModelOf(const v1::ConditionsModel& model) {
  return ConditionsModel{model.model(), model.version()};
}

}  // namespace

absl::StatusOr<SampleSpec> FromProto(const v1::SampleRequest& request) {
  SampleSpec spec;
  spec.model = request.model();
  spec.version = request.version();
  spec.n = request.n();
  spec.seed = request.seed();
  if (request.has_conditions_table()) {
    EVGEN_ASSIGN_OR_RETURN(spec.conditions_table, DecodeTable(request.conditions_table(), "conditions_table"));
  }
  if (request.has_conditions_from()) spec.conditions_from = QueryOf(request.conditions_from());
  if (request.has_conditions_model()) spec.conditions_model = ConditionsModelOf(request.conditions_model());
  spec.keep_columns.assign(request.keep_columns().begin(), request.keep_columns().end());
  spec.refuse_out_of_range = request.refuse_out_of_range();
  spec.with_log_density = request.with_log_density();
  spec.device = request.device();
  spec.precision = request.precision();
  return spec;
}

SampleSpec FromProto(const v1::ModelSamples& samples, const std::string& field) {
  SampleSpec spec;
  spec.model = samples.model();
  spec.version = samples.version();
  spec.n = samples.n();
  spec.seed = samples.seed();
  if (samples.has_conditions_from()) spec.conditions_from = QueryOf(samples.conditions_from());
  if (samples.has_conditions_model()) spec.conditions_model = ConditionsModelOf(samples.conditions_model());
  spec.keep_columns.assign(samples.keep_columns().begin(), samples.keep_columns().end());
  spec.refuse_out_of_range = samples.refuse_out_of_range();
  spec.conditions_field = field + (samples.has_conditions_model() ? ".conditions_model" : ".conditions_from");
  return spec;
}

DeriveDatasetPlan FromProto(const v1::DeriveDatasetRequest& request) {
  DeriveDatasetPlan plan;
  plan.name = request.name();
  plan.source = SelectionLabel(request.source());
  plan.spec = ToDeriveSpec(request.columns(), request.where());
  return plan;
}

absl::StatusOr<TrainingRequest> FromProto(const v1::SubmitTrainingRequest& request) {
  if (!request.training_data().where().empty() || !request.training_data().derived().empty()) {
    return absl::InvalidArgumentError(
        "training_data.where / training_data.derived: not applied to training data; store the selection "
        "as a dataset first (evgen datasets derive) and train on that");
  }
  TrainingRequest r;
  r.model_name = request.model_name();
  r.kind = request.kind();
  r.dataset = request.training_data().dataset();
  r.region = request.training_data().region();
  r.condition_columns.assign(request.condition_columns().begin(), request.condition_columns().end());
  r.target_columns.assign(request.target_columns().begin(), request.target_columns().end());
  r.seed = request.seed();
  r.device = request.device();
  if (!request.config_json().empty()) {
    r.config = nlohmann::json::parse(request.config_json(), nullptr, /*allow_exceptions=*/false);
    if (r.config.is_discarded() || !r.config.is_object()) {
      return absl::InvalidArgumentError("config_json: must be a JSON object, e.g. {\"mass_bins\": 60}");
    }
  }
  return r;
}

}  // namespace evgen
