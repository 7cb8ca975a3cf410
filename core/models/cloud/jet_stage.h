// jet_stage.h: JetStage, the first stage of a jet-cloud model that makes
// jets from nothing (config.jet_stage).
//
// A given-jet model (given_jet.h) fills each jet it is given, its pT and
// mass, with constituents. The jet stage is a model of another family, made
// through the registry (a spline flow in jet-cloud-gan-jets-small), trained
// on one row per training jet, whose samples are those jet-level
// conditions. The jet-cloud model then asks only for the conditions the
// stage does not make (none in the preset): one model, one training job,
// one request, where SampleSpec.conditions_model (core/sampling/
// sample_plan.h) needs two stored models. The stage draws under the same
// seed label (conditions_stage.h), so the same two networks give the
// same jets either way.
//
// The drawn jet pT and mass are not output columns: the constituents make
// them (pt_shares, mass_given), and a set model's rows hold only the
// conditions it asks for.
//
// Training order: the set stage first, then the jet stage, so that the
// steps a job logs are the set stage's (known in advance: it never stops
// early) followed by the jet stage's offset by them, each once across a
// resume. The stage keeps its own checkpoint, `<checkpoint>.jet-stage`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/model.h"
#include "nlohmann/json.hpp"

namespace evgen {

class JetStage {
 public:
  // Make returns the stage config.jet_stage names, unfitted; null when it
  // names none. InvalidArgument naming config.jet_stage.<key>: an unknown
  // kind, a model of sets, an invalid config (the stage's own message),
  // target columns that are not condition columns of the jet-cloud model,
  // or conditions of its own that the jet-cloud model is not given.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<JetStage>> Make(const CloudConfig& config);

  // ResolvedConfig is config.jet_stage with the stage's config resolved by
  // its family (every default shown); {} without a stage.
  [[nodiscard]] static absl::StatusOr<nlohmann::json> ResolvedConfig(const CloudConfig& config);

  // asked_conditions: the jet-cloud model's condition columns without the
  // ones the stage makes, in their order.
  const std::vector<std::string>& asked_conditions() const { return asked_; }

  // Fit trains the stage on the rows `jet_rows` of `train` (each jet's
  // first), under the job's seed, reporting steps after `step_offset`.
  [[nodiscard]] absl::Status Fit(const Table& train, const std::vector<int64_t>& jet_rows, const FitContext& ctx,
                                 int64_t step_offset);

  // Conditions returns the jet-cloud model's condition columns, all of
  // them, for sets [first, first + rows): the asked ones from `given`, the
  // others drawn by the stage with the seed DeriveSeed(seed,
  // kConditionsStageLabel).
  [[nodiscard]] absl::StatusOr<Table> Conditions(const Table& given, int64_t rows, uint64_t seed,
                                                 int64_t first) const;

  nlohmann::json Describe() const { return model_->Describe(); }
  // Save and Load use the subdirectory jet-stage of the model's directory.
  [[nodiscard]] absl::Status Save(const std::string& dir) const;
  [[nodiscard]] absl::Status Load(const std::string& dir);

 private:
  JetStage(std::unique_ptr<Model> model, std::vector<std::string> all, std::vector<std::string> asked)
      : model_(std::move(model)), all_(std::move(all)), asked_(std::move(asked)) {}

  std::unique_ptr<Model> model_;
  std::vector<std::string> all_;    // the jet-cloud model's condition columns
  std::vector<std::string> asked_;  // those the stage does not make
};

}  // namespace evgen
