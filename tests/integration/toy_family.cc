// toy_family.cc: a test-only model family, registered from the test tree
// into a build of evgend (evgend-toy) to show that a family plugs in without
// an edit to core/jobs, server/ or client/.
//
// Kind "toy-gaussian": an unconditional diagonal Gaussian of the target
// columns. Fitting runs in steps, each adding one slice of the training rows
// to running sums (and sleeping step_ms, so that a test can interrupt it);
// every checkpoint_every steps the sums and the step go to the checkpoint,
// and a job resumed from one continues there and ends with exactly the sums
// an uninterrupted run has. Sampling: row r is mean + sd * z, z from
// CounterRng(seed, first_row + r), so chunks never change a byte.
//
// Config: {"target_columns": [...] (required), "steps": 20,
//          "checkpoint_every": 5, "step_ms": 0}
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/models/model_registry.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"
#include "nlohmann/json.hpp"

namespace evgen::testing {
namespace {

using nlohmann::json;

json SlowPreset() { return {{"target_columns", {"mass_gev"}}, {"steps", 40}, {"step_ms", 100}}; }

struct ToyConfig {
  std::vector<std::string> target_columns;
  int64_t steps = 20;
  int64_t checkpoint_every = 5;
  int64_t step_ms = 0;

  // FromJson starts from the preset {"preset": "toy-slow"} names, if any.
  static absl::StatusOr<ToyConfig> FromJson(const json& given) {
    json j = given.is_object() ? given : json::object();
    if (j.contains("preset")) {
      if (j["preset"] != "toy-slow") return absl::InvalidArgumentError("config.preset must be \"toy-slow\"");
      json merged = SlowPreset();
      merged.update(j);
      merged.erase("preset");
      j = merged;
    }
    ToyConfig c;
    ConfigReader r(j, "config");
    r.Required("target_columns")
        .Strings("target_columns", c.target_columns)
        .Integer("steps", c.steps, 1, 100000)
        .Integer("checkpoint_every", c.checkpoint_every, 1, 100000)
        .Integer("step_ms", c.step_ms, 0, 10000);
    EVGEN_RETURN_IF_ERROR(r.Finish());
    return c;
  }
  json ToJson() const {
    return {{"target_columns", target_columns}, {"steps", steps}, {"checkpoint_every", checkpoint_every},
            {"step_ms", step_ms}};
  }
};

// FitState is everything a checkpoint holds.
struct FitState {
  int64_t step = 0;
  std::vector<double> sum, sum2;
  int64_t count = 0;
};

class ToyGaussian final : public Model {
 public:
  explicit ToyGaussian(ToyConfig config) : config_(std::move(config)) {}

  std::string kind() const override { return "toy-gaussian"; }
  const std::vector<std::string>& condition_columns() const override { return no_conditions_; }
  const std::vector<std::string>& target_columns() const override { return config_.target_columns; }

  absl::Status Fit(const Table& train, const FitContext& ctx) override {
    EVGEN_ASSIGN_OR_RETURN(Table targets, train.SelectColumns(config_.target_columns));
    const size_t d = config_.target_columns.size();
    FitState state{0, std::vector<double>(d), std::vector<double>(d), 0};
    if (!ctx.checkpoint_path.empty()) {
      absl::StatusOr<std::string> saved = ReadFileToString(ctx.checkpoint_path);
      if (saved.ok()) {
        const json j = json::parse(*saved);
        state = {j["step"], j["sum"].get<std::vector<double>>(), j["sum2"].get<std::vector<double>>(), j["count"]};
        resumed_from_ = state.step;
      }
    }
    const int64_t rows = targets.num_rows();
    const int64_t per_step = (rows + config_.steps - 1) / config_.steps;
    while (state.step < config_.steps) {
      if (ctx.cancelled()) return absl::CancelledError("toy fit cancelled");
      for (int64_t r = state.step * per_step; r < std::min(rows, (state.step + 1) * per_step); ++r) {
        for (size_t c = 0; c < d; ++c) {
          const double v = targets.at(r, static_cast<int>(c));
          state.sum[c] += v;
          state.sum2[c] += v * v;
        }
        ++state.count;
      }
      ++state.step;
      std::this_thread::sleep_for(std::chrono::milliseconds(config_.step_ms));
      if (!ctx.checkpoint_path.empty() && state.step % config_.checkpoint_every == 0) {
        const json j = {{"step", state.step}, {"sum", state.sum}, {"sum2", state.sum2}, {"count", state.count}};
        EVGEN_RETURN_IF_ERROR(WriteFileAtomically(ctx.checkpoint_path, j.dump()));
        ctx.on_checkpoint(state.step);
      }
      TrainingProgress p;
      p.step = state.step;
      p.total_steps = config_.steps;
      p.losses = {{"rows_seen", static_cast<double>(state.count)}};
      ctx.on_progress(p);
    }
    mean_.assign(d, 0);
    sd_.assign(d, 0);
    for (size_t c = 0; c < d; ++c) {
      mean_[c] = state.sum[c] / state.count;
      sd_[c] = std::sqrt(std::max(0.0, state.sum2[c] / state.count - mean_[c] * mean_[c]));
    }
    fitted_ = true;
    return absl::OkStatus();
  }

  absl::StatusOr<Table> Sample(const Table& conditions, int64_t rows, uint64_t seed,
                               int64_t first_row) const override {
    if (!fitted_) return absl::FailedPreconditionError("toy: not fitted");
    EVGEN_RETURN_IF_ERROR(CheckSampleArguments(*this, conditions, rows, first_row));
    Table out(config_.target_columns);
    std::vector<float> row(mean_.size());
    for (int64_t r = 0; r < rows; ++r) {
      CounterRng rng(seed, static_cast<uint64_t>(first_row + r));
      for (size_t c = 0; c < mean_.size(); ++c) row[c] = static_cast<float>(mean_[c] + sd_[c] * rng.Normal());
      out.AppendRow(row.data());
    }
    return out;
  }

  json Describe() const override {
    return {{"kind", kind()},
            {"config", config_.ToJson()},
            {"fit", {{"mean", mean_}, {"sd", sd_}, {"resumed_from_step", resumed_from_}}}};
  }

  absl::Status Save(const std::string& dir) const override {
    const json j = {{"config", config_.ToJson()}, {"mean", mean_}, {"sd", sd_}};
    return WriteFileAtomically(dir + "/toy.json", j.dump());
  }

  absl::Status Load(const std::string& dir) override {
    EVGEN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(dir + "/toy.json"));
    const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return absl::DataLossError(absl::StrCat(dir, "/toy.json: not JSON"));
    EVGEN_ASSIGN_OR_RETURN(config_, ToyConfig::FromJson(j["config"]));
    mean_ = j["mean"].get<std::vector<double>>();
    sd_ = j["sd"].get<std::vector<double>>();
    fitted_ = true;
    return absl::OkStatus();
  }

 private:
  ToyConfig config_;
  std::vector<std::string> no_conditions_;
  std::vector<double> mean_, sd_;
  int64_t resumed_from_ = 0;
  bool fitted_ = false;
};

class ToyFamily final : public ModelFamily {
 public:
  std::string name() const override { return "toy"; }
  std::vector<std::string> kinds() const override { return {"toy-gaussian"}; }
  bool config_names_columns() const override { return true; }

  absl::StatusOr<json> ResolveConfig(const std::string&, const json& config) const override {
    EVGEN_ASSIGN_OR_RETURN(ToyConfig c, ToyConfig::FromJson(config));
    return c.ToJson();
  }
  absl::StatusOr<std::unique_ptr<Model>> Create(const std::string&, const json& config) const override {
    EVGEN_ASSIGN_OR_RETURN(ToyConfig c, ToyConfig::FromJson(config));
    return std::unique_ptr<Model>(std::make_unique<ToyGaussian>(std::move(c)));
  }
  std::vector<ModelPreset> presets() const override {
    return {{"toy-slow", "toy-gaussian", "40 steps of 100 ms, a checkpoint every 5",
             SlowPreset()}};
  }
};

// Linked into the evgend-toy executable itself (not a library), so the
// linker keeps this initialiser.
[[maybe_unused]] const bool kRegistered = RegisterModelFamily(std::make_unique<ToyFamily>());

}  // namespace
}  // namespace evgen::testing
