// output.h: how the evgen CLI shows results: human-readable text by default,
// one JSON document per result with --json, and a progress bar for jobs.
#pragma once

#include <iostream>
#include <string>

#include "evgen/v1/dataset_service.pb.h"
#include "evgen/v1/metrics_service.pb.h"
#include "evgen/v1/model_service.pb.h"
#include "evgen/v1/training_service.pb.h"
#include "nlohmann/json.hpp"

namespace evgen::cli {

// PrintJson writes `message` as JSON with proto field names, 64-bit integers
// as numbers and the *_json string fields as nested JSON.
void PrintJson(const google::protobuf::Message& message, std::ostream& out);
void PrintJson(const nlohmann::json& json, std::ostream& out);

void PrintDataset(const v1::Dataset& dataset, std::ostream& out);
void PrintDatasetLine(const v1::Dataset& dataset, std::ostream& out);
void PrintJob(const v1::Job& job, std::ostream& out);
void PrintJobLine(const v1::Job& job, std::ostream& out);
void PrintModel(const v1::Model& model, std::ostream& out);
void PrintModelLine(const v1::Model& model, std::ostream& out);
// PrintPresets lists kinds by family, then each preset's name, kind and
// description (--json shows the full resolved configs).
void PrintPresets(const v1::ListPresetsResponse& response, std::ostream& out);
void PrintComparison(const v1::CompareResponse& response, std::ostream& out);
std::string JobStateName(v1::JobState state);

// ProgressBar redraws one line on a terminal and prints throttled lines
// otherwise (logs of batch jobs stay readable).
class ProgressBar {
 public:
  ProgressBar(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}
  void Update(const v1::Job& job);
  void Done();

 private:
  std::ostream& out_;
  bool terminal_;
  int64_t last_print_ms_ = 0;
  v1::JobState last_state_ = v1::JOB_STATE_UNSPECIFIED;
  bool drawn_ = false;
};

// TransferProgressLine shows a transfer's progress and rate: an upload's
// bytes, or a sample's events as they are written. A redrawn bar on a
// terminal, a line every few seconds otherwise (and none for a quick one).
class TransferProgressLine {
 public:
  enum class Unit { kBytes, kEvents };
  // `label` starts the line ("upload", "sample").
  TransferProgressLine(std::ostream& out, bool terminal, std::string label, Unit unit);
  void Update(int64_t done, int64_t total);
  // Done ends the bar's line.
  void Done();

 private:
  std::string Amount(int64_t done, int64_t total, double seconds) const;

  std::ostream& out_;
  bool terminal_;
  std::string label_;
  Unit unit_;
  int64_t start_ms_ = 0;
  int64_t last_print_ms_ = 0;
  bool drawn_ = false;
};

}  // namespace evgen::cli
