#include "core/data/momentum_balance.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

using Json = nlohmann::json;

constexpr double kRelativeTolerance = 1e-4;
constexpr double kAbsoluteToleranceGev = 1e-3;

class MomentumBalance final : public Transform {
 public:
  MomentumBalance(std::vector<std::string> particles, std::string drop)
      : particles_(std::move(particles)), drop_(std::move(drop)) {}

  std::string kind() const override { return "momentum-balance"; }

  absl::Status Fit(const Table& table) override {
    EVGEN_RETURN_IF_ERROR(CheckBalance(table));
    full_columns_ = table.columns();
    return absl::OkStatus();
  }

  absl::StatusOr<Table> Forward(const Table& table) const override {
    EVGEN_RETURN_IF_ERROR(CheckBalance(table));
    std::vector<std::string> keep;
    for (const std::string& c : table.columns()) {
      if (c != Dropped("px") && c != Dropped("py")) keep.push_back(c);
    }
    return table.SelectColumns(keep);
  }

  absl::StatusOr<Table> Inverse(const Table& table) const override {
    if (full_columns_.empty()) return absl::FailedPreconditionError("transform momentum-balance: not fitted");
    std::vector<int> source;
    for (const std::string& c : full_columns_) {
      if (c == Dropped("px") || c == Dropped("py")) {
        source.push_back(-1);
        continue;
      }
      absl::StatusOr<int> i = table.ColumnIndex(c);
      if (!i.ok()) return absl::InvalidArgumentError(absl::StrCat("transform momentum-balance: ", i.status().message()));
      source.push_back(*i);
    }
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> px, Indices(table, "px", /*with_dropped=*/false));
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> py, Indices(table, "py", false));
    const size_t at_px = Position(Dropped("px")), at_py = Position(Dropped("py"));
    std::vector<float> values;
    values.reserve(static_cast<size_t>(table.num_rows()) * full_columns_.size());
    std::vector<float> row(full_columns_.size());
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      for (size_t k = 0; k < source.size(); ++k) {
        if (source[k] >= 0) row[k] = table.at(r, source[k]);
      }
      row[at_px] = static_cast<float>(-Sum(table, r, px));
      row[at_py] = static_cast<float>(-Sum(table, r, py));
      values.insert(values.end(), row.begin(), row.end());
    }
    return Table::Create(full_columns_, std::move(values), table.weights());
  }

  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const override {
    EVGEN_RETURN_IF_ERROR(CheckBalance(table));
    return std::vector<double>(static_cast<size_t>(table.num_rows()), 0.0);
  }

  Json ToJson() const override {
    Json j = {{"kind", kind()}, {"particles", particles_}, {"drop", drop_}};
    if (!full_columns_.empty()) j["fitted"] = {{"columns", full_columns_}};
    return j;
  }
  void Restore(const Json& spec) {
    if (spec.contains("fitted")) full_columns_ = spec["fitted"].value("columns", std::vector<std::string>{});
  }

 private:
  std::string Dropped(const char* axis) const { return absl::StrCat(drop_, "_", axis, "_gev"); }

  // Indices of every particle's <axis> column (without the dropped one's
  // unless with_dropped).
  absl::StatusOr<std::vector<int>> Indices(const Table& table, const char* axis, bool with_dropped) const {
    std::vector<int> out;
    for (const std::string& p : particles_) {
      if (p == drop_ && !with_dropped) continue;
      const std::string column = absl::StrCat(p, "_", axis, "_gev");
      absl::StatusOr<int> i = table.ColumnIndex(column);
      if (!i.ok()) return absl::InvalidArgumentError(absl::StrCat("transform momentum-balance: ", i.status().message()));
      out.push_back(*i);
    }
    return out;
  }

  static double Sum(const Table& t, int64_t r, const std::vector<int>& columns) {
    double sum = 0;
    for (int c : columns) sum += t.at(r, c);
    return sum;
  }

  absl::Status CheckBalance(const Table& table) const {
    for (const char* axis : {"px", "py"}) {
      EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, Indices(table, axis, true));
      for (int64_t r = 0; r < table.num_rows(); ++r) {
        double sum = 0, scale = 0;
        for (int c : idx) {
          sum += table.at(r, c);
          scale += std::abs(table.at(r, c));
        }
        if (!(std::abs(sum) <= kRelativeTolerance * scale + kAbsoluteToleranceGev)) {
          return absl::InvalidArgumentError(absl::StrCat("transform momentum-balance: row ", r, ": the particles' ",
                                                         axis, " sum to ", sum, " GeV, not 0"));
        }
      }
    }
    return absl::OkStatus();
  }

  size_t Position(const std::string& c) const {
    return std::find(full_columns_.begin(), full_columns_.end(), c) - full_columns_.begin();
  }

  std::vector<std::string> particles_;
  std::string drop_;
  std::vector<std::string> full_columns_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Transform>> MakeMomentumBalance(const Json& spec) {
  std::vector<std::string> particles;
  std::string drop;
  ConfigReader r(spec, "transform momentum-balance");
  r.Strings("particles", particles)
      .Require(particles.size() >= 2, "particles", "must name at least two particle prefixes")
      .String("drop", drop)
      .Require(std::find(particles.begin(), particles.end(), drop) != particles.end(), "drop",
               "must be one of the particles")
      .Ignore("fitted")
      .Required("particles")
      .Required("drop")
      .Ignore("kind");
  EVGEN_RETURN_IF_ERROR(r.Finish());
  auto t = std::make_unique<MomentumBalance>(std::move(particles), std::move(drop));
  t->Restore(spec);
  return std::unique_ptr<Transform>(std::move(t));
}

}  // namespace evgen
