// model.h: Model, the one interface through which every generative model and
// template estimator plugs into evgen.
//
// Contract:
// - Lifecycle: a Model is created by ModelRegistry from a kind and a JSON
//   config, then either Fit() on a training table or Load() from a directory
//   written by Save(). Sample() is valid only after one of them succeeded;
//   before that it returns FailedPrecondition.
// - Columns: a model reads its condition_columns() from the conditions table
//   it is given (extra columns are ignored, missing ones are InvalidArgument)
//   and produces its target_columns(). Sample(conditions, rows, ...) returns
//   `rows` rows: the condition columns followed by the target columns. A
//   conditional model is given exactly `rows` conditions rows; a model
//   without condition columns is given an empty table and only the count
//   (CheckSampleArguments checks both).
// - Randomness: Sample(conditions, rows, seed, first_row) must make row r of
//   its output a pure function of (model state, seed, first_row + r, the
//   row's conditions), so the server can split a request into chunks without
//   changing a single byte of the result.
// - Threading: Fit() runs on one job thread and may block for a long time; it
//   polls FitContext::cancelled between steps. Sample(), Describe(), Save() and
//   LogDensity() are const and may run concurrently from many threads once
//   fitting ended.
// - Ownership: tables are passed by const reference and never retained.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "nlohmann/json_fwd.hpp"

namespace evgen {

// TrainingProgress is what a model reports while fitting.
struct TrainingProgress {
  int64_t step = 0;
  int64_t total_steps = 0;
  std::map<std::string, double> losses;
  double validation_metric = -1;  // negative when the model has none
  // Set by models whose metric may be negative (a flow's validation
  // negative log-likelihood), for which the sign cannot say "none".
  bool has_validation_metric = false;
  std::string message;
  // Measured by the model since this Fit() began (after a resume too);
  // negative when it does not know, and the job runner estimates them.
  double events_per_second = -1;
  double eta_seconds = -1;
};

struct FitContext {
  uint64_t seed = 0;
  std::function<void(const TrainingProgress&)> on_progress = [](const TrainingProgress&) {};
  std::function<bool()> cancelled = [] { return false; };
  // "cpu" or "cuda" (already resolved from "auto").
  std::string device = "cpu";
  // Checkpoints: a model that trains in steps writes its whole training state
  // (weights, optimiser moments, step, early-stopping state) to
  // checkpoint_path every checkpoint_every steps and when it stops on
  // cancelled() (a cancel or a server stop then loses no step), and, when
  // the file exists at the start of Fit(), continues from it, reaching the
  // parameters an uninterrupted run would have. Empty path: no checkpoints.
  std::string checkpoint_path;
  int64_t checkpoint_every = 0;  // <= 0: the model's own default
  // Called right after each checkpoint was written, with its step, so the
  // caller can save what it keeps beside it (the training log).
  std::function<void(int64_t step)> on_checkpoint = [](int64_t) {};
};

// InferenceTarget is where, and in which floating-point precision, a model's
// networks run when it samples. A model trains and is stored in float32 on
// the CPU; other targets are copies of it made for sampling
// (Model::ForInference).
struct InferenceTarget {
  std::string device = "cpu";     // "cpu" or "cuda:0"
  std::string precision = "fp32";  // "fp32", "bf16" or "fp16"
  // A reduced-precision copy is refused when its samples deviate from the
  // float32 model's by more than this many standard deviations in any
  // target column (mean |reduced - fp32| over paired check rows).
  double tolerance = 0.01;
  bool IsDefault() const { return device == "cpu" && precision == "fp32"; }
  std::string Key() const { return device + "/" + precision; }
};

// InferenceCheck is what the check of a reduced-precision copy against the
// float32 model found (Model::ForInference), so a user sees how far the
// samples moved, not only that they passed.
struct InferenceCheck {
  std::string precision;  // empty: the stored float32 model, nothing checked
  double deviation = 0;   // the largest mean |reduced - fp32| / sd(fp32) over the target columns
  std::string column;     // the column where it was largest
};

// kPrecisions lists the precisions a sample request may ask for.
inline constexpr const char* kPrecisions = "fp32, bf16, fp16";

class Model {
 public:
  virtual ~Model() = default;

  virtual std::string kind() const = 0;
  virtual const std::vector<std::string>& condition_columns() const = 0;
  virtual const std::vector<std::string>& target_columns() const = 0;

  // ConditionRange is the interval of one condition column seen in training.
  struct ConditionRange {
    double min = 0, max = 0;
  };
  // condition_ranges holds one range per condition column, in their order,
  // once fitted or loaded; empty when the model does not record them. A
  // learned model extrapolates outside them, so requests there are flagged.
  virtual std::vector<ConditionRange> condition_ranges() const { return {}; }

  // Fit trains on `train`. Returns Cancelled when ctx.cancelled() turned true.
  [[nodiscard]] virtual absl::Status Fit(const Table& train, const FitContext& ctx) = 0;

  [[nodiscard]] virtual absl::StatusOr<Table> Sample(const Table& conditions, int64_t rows,
                                                     uint64_t seed, int64_t first_row) const = 0;
  // samples_sets: true for a model that generates variable-size sets (jets
  // as particle clouds, core/models/cloud). Sample(conditions, n, seed,
  // first) then returns the n sets first, ..., first + n - 1 in the long
  // layout, one row per set member, sets consecutive, with a "jet" column
  // holding each set's absolute index; `rows` and `first_row` count sets, a
  // conditional model gets one conditions row per set, and set s is a pure
  // function of (model state, seed, s, its conditions) as rows are above.
  virtual bool samples_sets() const { return false; }
  // SetSizes returns how many rows Sample gives each of the sets [first,
  // first + sets) (1 each for a model of rows): the same numbers Sample
  // uses, found without generating the members (a set model's sizes stage
  // alone), so that a plan knows the size of its output before producing it.
  // Arguments as for Sample.
  [[nodiscard]] virtual absl::StatusOr<std::vector<int64_t>> SetSizes(const Table& conditions, int64_t sets,
                                                                      uint64_t seed, int64_t first) const;
  // max_set_size bounds every set's size (1 for a model of rows), so that
  // chunks of whole sets stay under the transport's bound.
  virtual int64_t max_set_size() const { return 1; }
  // A set's rows come in the long layout: "jet", "constituent", the target
  // columns, "n_constituents", then the condition columns (kSetLayoutColumns
  // more than a model of rows).
  static constexpr int kSetLayoutColumns = 3;
  // sample_block_rows: a model that generates in fixed blocks of rows
  // aligned to absolute row numbers (for reproducible BLAS sums) computes a
  // whole block even for a part of it; chunks that are multiples of this
  // waste nothing. 1 for models without blocks.
  virtual int64_t sample_block_rows() const { return 1; }
  // sample_block_phase: where a block's rows sit in its forward pass. Row r
  // of stream `seed` sits at position (r mod B + phase) mod B of the pass
  // of its block (B = sample_block_rows()). A seed-dependent phase spreads
  // small requests over the pass, so that those of different seeds rarely
  // overlap and can share one pass (SampleShared).
  virtual int64_t sample_block_phase(uint64_t /*seed*/) const { return 0; }
  // SampleShare is part of one block of one request: rows
  // [first_row, first_row + rows) of stream `seed`, with their conditions.
  struct SampleShare {
    const Table* conditions = nullptr;
    int64_t rows = 0;
    uint64_t seed = 0;
    int64_t first_row = 0;
  };
  // SampleShared samples shares that each lie within one block and occupy
  // disjoint pass positions (sample_block_phase) in one forward pass; result
  // i is byte for byte Sample(*shares[i].conditions, shares[i].rows,
  // shares[i].seed, shares[i].first_row), since a row's value depends only
  // on its inputs and its position in a pass of fixed size. The default
  // samples the shares one by one.
  [[nodiscard]] virtual std::vector<absl::StatusOr<Table>> SampleShared(
      const std::vector<SampleShare>& shares) const;
  // SampleFor is Sample for a conditional model: one row per conditions row.
  [[nodiscard]] absl::StatusOr<Table> SampleFor(const Table& conditions, uint64_t seed,
                                                int64_t first_row) const {
    return Sample(conditions, conditions.num_rows(), seed, first_row);
  }

  // ForInference returns a copy of this fitted model whose Sample runs on
  // target.device in target.precision. Its samples keep every property of
  // Sample above (chunk-independent, seed-reproducible) on that target; a
  // reduced precision changes the bytes, so the copy is first checked
  // against the float32 model on paired rows (same noise, same conditions)
  // and refused with FailedPrecondition, giving the deviation and the
  // tolerance, when it strays too far. The default is Unimplemented: the
  // family samples in float32 on the CPU only.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<Model>> ForInference(const InferenceTarget& target) const;
  // inference_check is what the check of a copy made by ForInference found;
  // empty for a stored model.
  virtual InferenceCheck inference_check() const { return {}; }

  // LogDensity returns, for each row of `events`, the model's log density
  // log p(x | c) of its target columns x given its condition columns c (both
  // read by name; extra columns are ignored), in the physical units of the
  // columns: a density model includes the log-Jacobian of its transforms.
  // InvalidArgument naming the column (and row) for a missing column or a
  // value that is not finite or outside the transforms' domain;
  // FailedPrecondition before Fit/Load. The default is FailedPrecondition
  // "<kind> models have no density" (a GAN only samples).
  [[nodiscard]] virtual absl::StatusOr<std::vector<double>> LogDensity(const Table& events) const;

  // Describe returns a JSON object with the model's configuration and what
  // fitting found (e.g. empty template cells), for `evgen models get`.
  virtual nlohmann::json Describe() const = 0;

  // Save writes the model's full state into the existing directory `dir`.
  [[nodiscard]] virtual absl::Status Save(const std::string& dir) const = 0;
  [[nodiscard]] virtual absl::Status Load(const std::string& dir) = 0;
};

// CheckSampleArguments is the check every Sample() starts with: rows and
// first_row not negative, and `rows` conditions rows holding the model's
// condition columns (none needed for an unconditional model).
[[nodiscard]] absl::Status CheckSampleArguments(const Model& model, const Table& conditions,
                                                int64_t rows, int64_t first_row);

}  // namespace evgen
