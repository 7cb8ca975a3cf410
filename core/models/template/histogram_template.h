// histogram_template.h: HistogramTemplate, the jet-mass template estimator of
// the ATLAS RPV-SUSY search as described in Lin, Bhimji, Nachman 2019 (sec. 3).
//
// It estimates p(m | |eta|, pT) with one mass histogram per kinematic cell:
// abs_eta_bins (4) bins uniform in |eta| over [0, abs_eta_max (2.0)] times
// log_pt_bins (15) bins uniform in log10(pT) over [pt_min, pt_max] (taken from
// the training jets unless configured). Sampling dresses each conditions row
// with a mass drawn from its cell's histogram, with a piecewise-linear inverse
// CDF (uniform within the chosen mass bin). Conditions outside the pT or |eta|
// range use the nearest edge cell. A cell left empty by the training data
// borrows the histogram of the nearest non-empty cell (same |eta| row first,
// then neighbouring rows); Describe() lists every empty cell and its donor.
// Training jets outside the configured |eta|, pT or mass limits are left out
// of the histograms (Describe() reports them as dropped_rows); event weights
// of the training table weight the histograms.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/models/model.h"
#include "nlohmann/json.hpp"

namespace evgen {

struct HistogramTemplateConfig {
  std::string pt_column = "pt_gev";
  std::string eta_column = "eta";
  std::string mass_column = "mass_gev";
  int abs_eta_bins = 4;
  double abs_eta_max = 2.0;
  int log_pt_bins = 15;
  double pt_min_gev = 0;   // <= 0: the smallest training pT
  double pt_max_gev = 0;   // <= 0: the largest training pT
  int mass_bins = 50;
  double mass_min_gev = 0;
  double mass_max_gev = 0;  // <= 0: the largest training mass

  // FromJson reads a config object, rejecting unknown keys and out-of-range
  // values with InvalidArgument naming the field and the allowed range.
  [[nodiscard]] static absl::StatusOr<HistogramTemplateConfig> FromJson(const nlohmann::json& j);
  nlohmann::json ToJson() const;
};

class HistogramTemplate final : public Model {
 public:
  explicit HistogramTemplate(HistogramTemplateConfig config);

  std::string kind() const override { return "template"; }
  const std::vector<std::string>& condition_columns() const override { return conditions_; }
  const std::vector<std::string>& target_columns() const override { return targets_; }

  [[nodiscard]] absl::Status Fit(const Table& train, const FitContext& ctx) override;
  [[nodiscard]] absl::StatusOr<Table> Sample(const Table& conditions, int64_t rows, uint64_t seed,
                                             int64_t first_row) const override;
  nlohmann::json Describe() const override;
  [[nodiscard]] absl::Status Save(const std::string& dir) const override;
  [[nodiscard]] absl::Status Load(const std::string& dir) override;

  // CellIndex maps (pT, eta) to its cell, clamping to the edge cells.
  int CellIndex(double pt_gev, double eta) const;
  int num_cells() const { return config_.abs_eta_bins * config_.log_pt_bins; }
  // cell_counts returns the number of training jets per cell (row-major in
  // |eta| bin, then pT bin).
  const std::vector<int64_t>& cell_counts() const { return cell_counts_; }
  const std::vector<int>& empty_cells() const { return empty_cells_; }

 private:
  void FillDonors();

  HistogramTemplateConfig config_;
  std::vector<std::string> conditions_;
  std::vector<std::string> targets_;
  bool fitted_ = false;
  double log_pt_min_ = 0, log_pt_max_ = 0;
  double mass_min_ = 0, mass_max_ = 0;
  std::vector<int64_t> cell_counts_;            // per cell
  std::vector<std::vector<double>> cell_cdfs_;  // per cell: mass_bins + 1 CDF values, or none
  std::vector<int> donor_;                      // per cell: the cell whose histogram it samples
  std::vector<int> empty_cells_;
  int64_t training_rows_ = 0;  // jets that filled the cells
  int64_t dropped_rows_ = 0;   // jets outside the configured |eta|, pT or mass range
};

}  // namespace evgen
