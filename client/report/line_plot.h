// line_plot.h: RenderLinePlot, an inline-SVG line plot of named series (e.g.
// a quantile error against the training-sample size, one line per model),
// with linear or logarithmic axes, error bars and a legend. It is the
// "figures" section of `evgen report` (html_report.h), fed from a JSON file
// a script wrote (`evgen report ... --figure FILE`).
//
// Input (JSON):
//   {"title": "quantile error", "x_label": "training events", "y_label": "MSE",
//    "log_x": true, "log_y": true,             (optional, default false)
//    "series": [{"name": "flow", "x": [100, 300], "y": [4e-4, 1e-4],
//                "y_err": [1e-4, 3e-5],        (optional, same length)
//                "dashed": true}]}             (optional: a reference line)
// Points are joined in the order given; on a log axis values <= 0 (and
// null, NaN) are left out.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json_fwd.hpp"

namespace evgen::report {

// RenderLinePlot returns one <svg class='lineplot'> (with its namespace, so
// it also stands alone as an .svg file); InvalidArgument names
// the malformed field, prefixed with `where` (e.g. "figures[0]").
[[nodiscard]] absl::StatusOr<std::string> RenderLinePlot(const nlohmann::json& figure, const std::string& where);

}  // namespace evgen::report
