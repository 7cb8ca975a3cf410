#include "core/models/cloud/jet_sets.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/cloud/cloud_constants.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

absl::Status BadData(const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("training data: ", why));
}

// JetSpan: rows [begin, end) of one jet and its id.
struct JetSpan {
  int64_t begin = 0, end = 0;
  double id = 0;
  int64_t size() const { return end - begin; }
};

absl::StatusOr<std::vector<int>> ColumnIndices(const Table& table, const std::vector<std::string>& names) {
  std::vector<int> out;
  for (const std::string& name : names) {
    if (!table.HasColumn(name)) {
      return BadData(absl::StrCat("no column '", name, "'; it has [", absl::StrJoin(table.columns(), ", "), "]"));
    }
    out.push_back(*table.ColumnIndex(name));
  }
  return out;
}

// SplitJets cuts the rows into runs of equal jet id and refuses an id that
// comes back after another jet.
// Ids above 2^24 are told apart by the table's exact int64 column when it
// has one (float32 would merge neighbouring ids).
absl::StatusOr<std::vector<JetSpan>> SplitJets(const Table& table, int jet_column) {
  std::vector<JetSpan> jets;
  std::set<double> seen;
  const std::vector<int64_t>* exact = table.int64_column(cloud::kJetColumn);
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    const double id = exact != nullptr ? static_cast<double>((*exact)[r]) : table.at(r, jet_column);
    if (!std::isfinite(id)) return BadData(absl::StrCat("column 'jet' row ", r, " is not finite"));
    if (!jets.empty() && jets.back().id == id) {
      jets.back().end = r + 1;
      continue;
    }
    if (!seen.insert(id).second) {
      return BadData(absl::StrCat("column 'jet': jet ", id, " appears again at row ", r,
                                  " after other jets; the rows of a jet must be consecutive"));
    }
    jets.push_back({r, r + 1, id});
  }
  return jets;
}

// CheckJet checks one jet's size and that its jet-level columns are constant.
absl::Status CheckJet(const Table& table, const JetSpan& jet, const std::vector<std::string>& jet_columns,
                      const std::vector<int>& indices, int size_column, int64_t max_constituents) {
  if (jet.size() > max_constituents) {
    return BadData(absl::StrCat("jet ", jet.id, " has ", jet.size(), " constituents, more than config.max_constituents = ",
                                max_constituents));
  }
  for (size_t k = 0; k < indices.size(); ++k) {
    const float first = table.at(jet.begin, indices[k]);
    for (int64_t r = jet.begin; r < jet.end; ++r) {
      if (table.at(r, indices[k]) != first) {
        return BadData(absl::StrCat("column '", jet_columns[k], "' varies within jet ", jet.id, " (rows ", jet.begin,
                                    "..", jet.end - 1, "); a condition must be constant within a jet"));
      }
    }
  }
  if (size_column >= 0 && table.at(jet.begin, size_column) != static_cast<float>(jet.size())) {
    return BadData(absl::StrCat("column 'n_constituents' says ", table.at(jet.begin, size_column), " for jet ", jet.id,
                                ", which has ", jet.size(), " rows"));
  }
  return absl::OkStatus();
}

absl::Status CheckFinite(const Table& table, const std::vector<std::string>& names, const std::vector<int>& indices,
                         const std::vector<JetSpan>& jets) {
  for (const JetSpan& jet : jets) {
    for (int64_t r = jet.begin; r < jet.end; ++r) {
      for (size_t k = 0; k < indices.size(); ++k) {
        if (!std::isfinite(table.at(r, indices[k]))) {
          return BadData(absl::StrCat("column '", names[k], "' row ", r, " (jet ", jet.id, ") is not finite"));
        }
      }
    }
  }
  return absl::OkStatus();
}

// MeanScale: the mean and standard deviation of `values` (scale 1 when constant).
std::pair<double, double> MeanScale(const std::vector<double>& values) {
  double sum = 0, sum2 = 0;
  for (double v : values) {
    sum += v;
    sum2 += v * v;
  }
  const double n = static_cast<double>(values.size());
  const double mean = sum / n;
  const double var = std::max(0.0, sum2 / n - mean * mean);
  return {mean, var > 0 ? std::sqrt(var) : 1.0};
}

void FitScaling(const Table& table, const std::vector<JetSpan>& jets, const std::vector<int>& targets,
                const std::vector<int>& conditions, Scaling& s) {
  for (int c : targets) {
    std::vector<double> v;
    for (const JetSpan& jet : jets) {
      for (int64_t r = jet.begin; r < jet.end; ++r) v.push_back(table.at(r, c));
    }
    const auto [mean, scale] = MeanScale(v);
    s.target_mean.push_back(mean);
    s.target_scale.push_back(scale);
  }
  for (int c : conditions) {
    std::vector<double> v;
    for (const JetSpan& jet : jets) v.push_back(table.at(jet.begin, c));
    const auto [mean, scale] = MeanScale(v);
    s.condition_mean.push_back(mean);
    s.condition_scale.push_back(scale);
    s.condition_range.push_back({*std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())});
  }
}

}  // namespace

absl::StatusOr<JetSets> ReadJetSets(const Table& table, const CloudConfig& config) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<int> jet_index, ColumnIndices(table, {cloud::kJetColumn}));
  EVGEN_ASSIGN_OR_RETURN(std::vector<int> targets, ColumnIndices(table, config.target_columns));
  EVGEN_ASSIGN_OR_RETURN(std::vector<int> conditions, ColumnIndices(table, config.condition_columns));
  const int size_column = table.HasColumn(cloud::kSizeColumn) ? *table.ColumnIndex(cloud::kSizeColumn) : -1;
  EVGEN_ASSIGN_OR_RETURN(std::vector<JetSpan> jets, SplitJets(table, jet_index[0]));
  if (static_cast<int64_t>(jets.size()) < cloud::kMinTrainingJets) {
    return absl::FailedPreconditionError(absl::StrCat("training data: ", jets.size(), " jets; need at least ",
                                                      cloud::kMinTrainingJets));
  }
  for (const JetSpan& jet : jets) {
    EVGEN_RETURN_IF_ERROR(
        CheckJet(table, jet, config.condition_columns, conditions, size_column, config.max_constituents));
  }
  EVGEN_RETURN_IF_ERROR(CheckFinite(table, config.target_columns, targets, jets));
  EVGEN_RETURN_IF_ERROR(CheckFinite(table, config.condition_columns, conditions, jets));

  JetSets out;
  FitScaling(table, jets, targets, conditions, out.scaling);
  const int64_t n_jets = static_cast<int64_t>(jets.size()), n_max = config.max_constituents;
  const int64_t n_targets = static_cast<int64_t>(targets.size());
  out.members = torch::zeros({n_jets, n_max, n_targets}, torch::kFloat32);
  out.sizes = torch::empty({n_jets}, torch::kLong);
  float* m = out.members.data_ptr<float>();
  int64_t* sizes = out.sizes.data_ptr<int64_t>();
  for (int64_t j = 0; j < n_jets; ++j) {
    const JetSpan& jet = jets[j];
    sizes[j] = jet.size();
    for (int64_t i = 0; i < jet.size(); ++i) {
      for (int64_t k = 0; k < n_targets; ++k) {
        const double x = table.at(jet.begin + i, targets[k]);
        m[(j * n_max + i) * n_targets + k] =
            static_cast<float>((x - out.scaling.target_mean[k]) / out.scaling.target_scale[k]);
      }
    }
  }
  // The first row of each jet holds its conditions.
  for (const JetSpan& jet : jets) out.first_rows.push_back(jet.begin);
  out.conditions = StandardizedConditions(table.SelectRows(out.first_rows), n_jets, config, out.scaling);
  return out;
}

torch::Tensor StandardizedConditions(const Table& table, int64_t rows, const CloudConfig& config,
                                     const Scaling& scaling) {
  const int64_t n = static_cast<int64_t>(config.condition_columns.size());
  torch::Tensor out = torch::empty({rows, n}, torch::kFloat32);
  float* p = out.data_ptr<float>();
  for (int64_t k = 0; k < n; ++k) {
    const int c = *table.ColumnIndex(config.condition_columns[k]);
    for (int64_t r = 0; r < rows; ++r) {
      p[r * n + k] = static_cast<float>((table.at(r, c) - scaling.condition_mean[k]) / scaling.condition_scale[k]);
    }
  }
  return out;
}

}  // namespace evgen
