// convert.h: the one translation boundary between evgen.v1 protos and core
// types. Services call these and nothing else to cross it.
#pragma once

#include "core/expr/derive.h"
#include "core/expr/derive_dataset.h"
#include "core/metrics/metric_registry.h"
#include "core/models/model_registry.h"
#include "core/jobs/training_job.h"
#include "core/physics/reference_simulators.h"
#include "core/sampling/dataset_query.h"
#include "core/sampling/sample_plan.h"
#include "core/store/dataset_store.h"
#include "core/store/job_store.h"
#include "core/store/model_store.h"
#include "evgen/v1/common.pb.h"
#include "evgen/v1/dataset_service.pb.h"
#include "evgen/v1/metrics_service.pb.h"
#include "evgen/v1/model_service.pb.h"
#include "evgen/v1/sampling_service.pb.h"
#include "evgen/v1/training_service.pb.h"

namespace evgen {

void ToProto(const DatasetInfo& info, v1::Dataset* out);
void ToProto(const ReferenceSimulatorInfo& info, v1::ReferenceSimulator* out);
void ToProto(const JobRecord& record, v1::Job* out);
void ToProto(const ModelRecord& record, v1::Model* out);
void ToProto(const MetricOutcome& outcome, v1::MetricResult* out);
void ToProto(const MetricInfo& info, v1::MetricInfo* out);
void ToProto(const PresetInfo& info, v1::Preset* out);
v1::JobState ToProto(JobState state);

// DeriveSpecOf is the derived columns and selection a DatasetSelection asks for.
DeriveSpec DeriveSpecOf(const v1::DatasetSelection& selection);
// QueryOf is the core query of a DatasetSelection.
DatasetQuery QueryOf(const v1::DatasetSelection& selection);
// FromProto is the sample spec of a Sample request; InvalidArgument for a
// conditions table that does not decode.
[[nodiscard]] absl::StatusOr<SampleSpec> FromProto(const v1::SampleRequest& request);
// FromProto is the sample spec of model samples used as a metric input
// (`field` names them in messages, e.g. "candidate.model_samples").
SampleSpec FromProto(const v1::ModelSamples& samples, const std::string& field);
// FromProto plans a DeriveDataset call; its source names the input selection.
DeriveDatasetPlan FromProto(const v1::DeriveDatasetRequest& request);

// FromProto parses a training request; InvalidArgument for bad config_json,
// or for training data with derived columns or a selection (not applied to
// training; store them first with DeriveDataset).
[[nodiscard]] absl::StatusOr<TrainingRequest> FromProto(const v1::SubmitTrainingRequest& request);

}  // namespace evgen
