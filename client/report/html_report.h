// html_report.h: RenderHtmlReport, the self-contained HTML comparison report
// of `evgen report`: per feature a histogram of generated vs reference with a
// ratio panel and error bars, correlation-matrix heat maps, a table of every
// metric, and posterior calibration curves when the calibration metric ran.
// Plots are inline SVG drawn here; the page needs no network and no script.
//
// Input (JSON, as assembled by the CLI from MetricsService results):
//   {"title": "...", "reference": "qcd:validation", "candidate": "masses.npy",
//    "features": [{"name": "mass_gev", "edges": [...n+1],
//                  "reference": [...n], "reference_err": [...n],
//                  "candidate": [...n], "candidate_err": [...n],
//                  "ratio": [...n], "ratio_err": [...n]}],
//    "correlations": {"columns": [...], "reference": [[...]], "candidate": [[...]]},
//    "metrics": [{"name": "...", "value": 0.1, "uncertainty": -1, "warnings": [...]}],
//    "peaks": [{"fitted": "column m_mumu", "shape": "breit-wigner",
//               "reference": {"position_gev": 91.1, "position_error_gev": 0.02, "width_gev": 2.5,
//                             "width_error_gev": 0.05, "entries": 9000, "converged": true},
//               "candidate": {...}}],   (optional: a "Peak fits" table)
//    "calibration": {"events": 1500, "samples_per_event": 60,
//                    "curves": [{"column": "pt1_gen", "nominal": [...], "coverage": [...],
//                                "error": [...]}]},
//                            (optional: the "calibration" metric's details, one
//                             coverage-vs-quantile plot per column)
//    "figures": [{line plot, see line_plot.h}]}   (optional: a "Figures" section)
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json_fwd.hpp"

namespace evgen::report {

// RenderHtmlReport returns the page; InvalidArgument names a malformed field.
[[nodiscard]] absl::StatusOr<std::string> RenderHtmlReport(const nlohmann::json& data);

}  // namespace evgen::report
