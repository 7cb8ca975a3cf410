#include "client/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/report/html_escape.h"
#include "client/report/line_plot.h"
#include "nlohmann/json.hpp"

namespace evgen::report {
namespace {

using Json = nlohmann::json;


std::vector<double> Numbers(const Json& j, const std::string& field) {
  std::vector<double> out;
  if (!j.contains(field) || !j[field].is_array()) return out;
  for (const Json& v : j[field]) out.push_back(v.is_number() ? v.get<double>() : std::nan(""));
  return out;
}

// Frame maps data coordinates to an SVG box.
struct Frame {
  double x0, y0, width, height;  // pixels
  double xmin, xmax, ymin, ymax;  // data
  double X(double x) const { return x0 + (x - xmin) / (xmax - xmin) * width; }
  double Y(double y) const { return y0 + height - (y - ymin) / (ymax - ymin) * height; }
};

std::string Axes(const Frame& f, const std::string& ylabel, int yticks) {
  std::string svg = absl::StrFormat(
      "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='none' stroke='#333'/>", f.x0, f.y0,
      f.width, f.height);
  for (int i = 0; i <= yticks; ++i) {
    const double y = f.ymin + (f.ymax - f.ymin) * i / yticks;
    svg += absl::StrFormat(
        "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='#ddd'/>"
        "<text x='%.1f' y='%.1f' font-size='10' text-anchor='end'>%.3g</text>",
        f.x0, f.x0 + f.width, f.Y(y), f.Y(y), f.x0 - 4, f.Y(y) + 3, y);
  }
  svg += absl::StrFormat(
      "<text x='%.1f' y='%.1f' font-size='11' transform='rotate(-90 %.1f %.1f)' "
      "text-anchor='middle'>%s</text>",
      f.x0 - 38, f.y0 + f.height / 2, f.x0 - 38, f.y0 + f.height / 2, EscapeHtml(ylabel));
  return svg;
}

std::string XTicks(const Frame& f, const std::string& label) {
  std::string svg;
  for (int i = 0; i <= 5; ++i) {
    const double x = f.xmin + (f.xmax - f.xmin) * i / 5;
    svg += absl::StrFormat("<text x='%.1f' y='%.1f' font-size='10' text-anchor='middle'>%.4g</text>",
                           f.X(x), f.y0 + f.height + 13, x);
  }
  svg += absl::StrFormat("<text x='%.1f' y='%.1f' font-size='11' text-anchor='middle'>%s</text>",
                         f.x0 + f.width / 2, f.y0 + f.height + 28, EscapeHtml(label));
  return svg;
}

// Steps draws a histogram outline; Points draws markers with error bars.
std::string Steps(const Frame& f, const std::vector<double>& edges, const std::vector<double>& h,
                  const std::string& colour) {
  std::string path = absl::StrFormat("M%.1f %.1f", f.X(edges[0]), f.Y(0));
  for (size_t i = 0; i < h.size(); ++i) {
    path += absl::StrFormat(" L%.1f %.1f L%.1f %.1f", f.X(edges[i]), f.Y(h[i]), f.X(edges[i + 1]), f.Y(h[i]));
  }
  path += absl::StrFormat(" L%.1f %.1f", f.X(edges.back()), f.Y(0));
  return absl::StrFormat("<path d='%s' fill='%s' fill-opacity='0.15' stroke='%s' stroke-width='1.5'/>", path,
                         colour, colour);
}

std::string Points(const Frame& f, const std::vector<double>& edges, const std::vector<double>& y,
                   const std::vector<double>& err, const std::string& colour) {
  std::string svg;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) continue;
    const double x = f.X(0.5 * (edges[i] + edges[i + 1]));
    const double e = i < err.size() && std::isfinite(err[i]) ? err[i] : 0;
    const double lo = std::max(f.ymin, y[i] - e), hi = std::min(f.ymax, y[i] + e);
    if (y[i] < f.ymin || y[i] > f.ymax) continue;
    svg += absl::StrFormat(
        "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='%s'/><circle cx='%.1f' cy='%.1f' r='2.2' "
        "fill='%s'/>",
        x, x, f.Y(lo), f.Y(hi), colour, x, f.Y(y[i]), colour);
  }
  return svg;
}

absl::StatusOr<std::string> FeaturePlot(const Json& feature) {
  const std::string name = feature.value("name", "feature");
  const std::vector<double> edges = Numbers(feature, "edges");
  const std::vector<double> ref = Numbers(feature, "reference"), cand = Numbers(feature, "candidate");
  if (edges.size() < 2 || ref.size() + 1 != edges.size() || cand.size() + 1 != edges.size()) {
    return absl::InvalidArgumentError(absl::StrCat("report: feature '", name,
                                                   "' needs n+1 edges and n reference and candidate bins"));
  }
  double ymax = 0;
  for (size_t i = 0; i < ref.size(); ++i) ymax = std::max({ymax, ref[i], cand[i]});
  Frame top{60, 10, 380, 170, edges.front(), edges.back(), 0, ymax > 0 ? 1.1 * ymax : 1};
  Frame bottom{60, 195, 380, 70, edges.front(), edges.back(), 0.5, 1.5};
  std::string svg = absl::StrFormat(
      "<svg class='plot' data-feature='%s' width='460' height='300' "
      "viewBox='0 0 460 300'>",
      EscapeHtml(name));
  svg += Axes(top, "density", 4) + Steps(top, edges, ref, "#1f77b4");
  svg += Points(top, edges, cand, Numbers(feature, "candidate_err"), "#d62728");
  svg += Axes(bottom, "gen / ref", 2);
  svg += absl::StrFormat("<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='#1f77b4' stroke-dasharray='4 3'/>",
                         bottom.x0, bottom.x0 + bottom.width, bottom.Y(1), bottom.Y(1));
  svg += Points(bottom, edges, Numbers(feature, "ratio"), Numbers(feature, "ratio_err"), "#d62728");
  svg += XTicks(bottom, name);
  svg += "<text x='330' y='24' font-size='11' fill='#1f77b4'>reference</text>"
         "<text x='330' y='38' font-size='11' fill='#d62728'>generated</text></svg>";
  return svg;
}

// Colour maps a correlation in [-1, 1] to blue (negative) .. white .. red.
std::string Colour(double c) {
  c = std::clamp(std::isfinite(c) ? c : 0.0, -1.0, 1.0);
  const int fade = static_cast<int>(255 * (1 - std::abs(c)));
  return c >= 0 ? absl::StrFormat("rgb(255,%d,%d)", fade, fade) : absl::StrFormat("rgb(%d,%d,255)", fade, fade);
}

std::string HeatMap(const std::string& title, const std::vector<std::string>& columns, const Json& matrix) {
  const int n = static_cast<int>(columns.size());
  const int cell = std::max(18, 240 / std::max(1, n));
  const int left = 90, topm = 24;
  std::string svg = absl::StrFormat(
      "<svg class='heatmap' width='%d' height='%d'>"
      "<text x='%d' y='14' font-size='12'>%s</text>",
      left + n * cell + 10, topm + n * cell + 90, left, EscapeHtml(title));
  for (int i = 0; i < n; ++i) {
    svg += absl::StrFormat("<text x='%d' y='%d' font-size='10' text-anchor='end'>%s</text>", left - 4,
                           topm + i * cell + cell / 2 + 3, EscapeHtml(columns[i]));
    svg += absl::StrFormat(
        "<text x='%d' y='%d' font-size='10' transform='rotate(-60 %d %d)' text-anchor='end'>%s</text>",
        left + i * cell + cell / 2, topm + n * cell + 12, left + i * cell + cell / 2, topm + n * cell + 12,
        EscapeHtml(columns[i]));
    for (int j = 0; j < n; ++j) {
      const double c = matrix[i][j].is_number() ? matrix[i][j].get<double>() : std::nan("");
      svg += absl::StrFormat("<rect x='%d' y='%d' width='%d' height='%d' fill='%s'><title>%s / %s: %.3f</title></rect>",
                             left + j * cell, topm + i * cell, cell, cell, Colour(c), EscapeHtml(columns[i]),
                             EscapeHtml(columns[j]), c);
    }
  }
  return svg + "</svg>";
}

std::string MetricTable(const Json& metrics) {
  std::string html = "<table><tr><th>metric</th><th>value</th><th>uncertainty</th><th>notes</th></tr>";
  for (const Json& m : metrics) {
    const double u = m.value("uncertainty", -1.0);
    std::string notes;
    for (const Json& w : m.value("warnings", Json::array())) notes += EscapeHtml(w.get<std::string>()) + "<br>";
    html += absl::StrFormat("<tr><td>%s</td><td>%.6g</td><td>%s</td><td>%s</td></tr>",
                            EscapeHtml(m.value("name", "")), m.value("value", 0.0),
                            u >= 0 ? absl::StrFormat("%.3g", u) : "", notes);
  }
  return html + "</table>";
}

// CalibrationPlot draws one column's posterior calibration (Fig. 19 of the
// Butter-Plehn review): the fraction of truths below each posterior quantile
// against the quantile level, with binomial error bars, the diagonal a
// calibrated posterior follows and dotted lines 0.03 either side of it.
absl::StatusOr<std::string> CalibrationPlot(const Json& curve) {
  const std::string column = curve.value("column", "column");
  const std::vector<double> q = Numbers(curve, "nominal"), c = Numbers(curve, "coverage");
  const std::vector<double> err = Numbers(curve, "error");
  if (q.empty() || q.size() != c.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("report: calibration curve '", column, "' needs as many nominal as coverage values"));
  }
  const Frame f{60, 10, 380, 240, 0, 1, 0, 1};
  std::string svg = absl::StrFormat(
      "<svg class='calibration' data-column='%s' width='460' height='300' viewBox='0 0 460 300'>", EscapeHtml(column));
  svg += Axes(f, "fraction of truths below", 5);
  svg += absl::StrFormat("<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#1f77b4' stroke-dasharray='4 3'/>",
                         f.X(0), f.Y(0), f.X(1), f.Y(1));
  for (const double band : {-0.03, 0.03}) {
    const double lo = std::max(0.0, -band), hi = std::min(1.0, 1 - band);
    svg += absl::StrFormat("<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#999' stroke-dasharray='1 3'/>",
                           f.X(lo), f.Y(lo + band), f.X(hi), f.Y(hi + band));
  }
  std::string path;
  for (size_t i = 0; i < q.size(); ++i) {
    if (!std::isfinite(q[i]) || !std::isfinite(c[i])) continue;
    const double e = i < err.size() && std::isfinite(err[i]) ? err[i] : 0;
    const double x = f.X(q[i]);
    svg += absl::StrFormat(
        "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='#d62728'/><circle cx='%.1f' cy='%.1f' r='2.5' "
        "fill='#d62728'><title>q = %.3g: %.4f</title></circle>",
        x, x, f.Y(std::max(0.0, c[i] - e)), f.Y(std::min(1.0, c[i] + e)), x, f.Y(c[i]), q[i], c[i]);
    path += absl::StrFormat("%s%.1f %.1f", path.empty() ? "M" : " L", x, f.Y(c[i]));
  }
  svg += absl::StrFormat("<path d='%s' fill='none' stroke='#d62728' stroke-width='1'/>", path);
  svg += XTicks(f, absl::StrCat("posterior quantile q of ", column));
  svg += "<text x='70' y='24' font-size='11' fill='#1f77b4'>calibrated</text>"
         "<text x='70' y='38' font-size='11' fill='#d62728'>model</text></svg>";
  return svg;
}

// PeakNumber reads a fit's number; NaN (null in JSON) and absent read NaN.
double PeakNumber(const Json& fit, const char* key) {
  const auto it = fit.find(key);
  return it != fit.end() && it->is_number() ? it->get<double>() : std::nan("");
}

// PeakTable lists each mass-peak fit: position and width with their errors
// for the reference and the candidate.
std::string PeakTable(const Json& peaks) {
  std::string html =
      "<table><tr><th>fitted</th><th>shape</th><th>table</th><th>position (GeV)</th><th>width (GeV)</th>"
      "<th>entries in range</th><th>converged</th></tr>";
  for (const Json& peak : peaks) {
    for (const char* side : {"reference", "candidate"}) {
      const Json fit = peak.value(side, Json::object());
      html += absl::StrFormat(
          "<tr><td>%s</td><td>%s</td><td>%s</td><td>%.3f &plusmn; %.3f</td><td>%.3f &plusmn; %.3f</td>"
          "<td>%.0f</td><td>%s</td></tr>",
          EscapeHtml(peak.value("fitted", "")), EscapeHtml(peak.value("shape", "")), side,
          PeakNumber(fit, "position_gev"), PeakNumber(fit, "position_error_gev"), PeakNumber(fit, "width_gev"),
          PeakNumber(fit, "width_error_gev"), PeakNumber(fit, "entries"),
          fit.value("converged", false) ? "yes" : "no");
    }
  }
  return html + "</table>";
}

}  // namespace

absl::StatusOr<std::string> RenderHtmlReport(const Json& data) {
  if (!data.is_object()) return absl::InvalidArgumentError("report: data must be a JSON object");
  std::string html =
      "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>" +
      EscapeHtml(data.value("title", "evgen report")) +
      "</title><style>body{font-family:sans-serif;margin:24px;color:#222}"
      "h1{font-size:20px}h2{font-size:16px;margin-top:28px}.grid{display:flex;flex-wrap:wrap;gap:12px}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
      "</style></head><body>";
  html += "<h1>" + EscapeHtml(data.value("title", "evgen report")) + "</h1>";
  html += "<p>reference: <b>" + EscapeHtml(data.value("reference", "")) + "</b> &mdash; generated: <b>" +
          EscapeHtml(data.value("candidate", "")) + "</b></p>";
  html += "<h2>Metrics</h2>" + MetricTable(data.value("metrics", Json::array()));
  const Json peaks = data.value("peaks", Json::array());
  if (peaks.is_array() && !peaks.empty()) html += "<h2>Peak fits</h2>" + PeakTable(peaks);
  if (data.contains("calibration")) {
    const Json& cal = data["calibration"];
    html += absl::StrFormat(
        "<h2>Posterior calibration</h2><p>%d held-out events, %d posterior samples each: the fraction of "
        "truths below each quantile of their own posterior (diagonal: calibrated; dotted: &plusmn;0.03).</p>"
        "<div class='grid'>",
        cal.value("events", int64_t{0}), cal.value("samples_per_event", int64_t{0}));
    for (const Json& curve : cal.value("curves", Json::array())) {
      absl::StatusOr<std::string> plot = CalibrationPlot(curve);
      if (!plot.ok()) return plot.status();
      html += *plot;
    }
    html += "</div>";
  }
  html += "<h2>Distributions</h2><div class='grid'>";
  for (const Json& feature : data.value("features", Json::array())) {
    absl::StatusOr<std::string> plot = FeaturePlot(feature);
    if (!plot.ok()) return plot.status();
    html += *plot;
  }
  html += "</div>";
  if (data.contains("correlations")) {
    const Json& c = data["correlations"];
    const auto columns = c.value("columns", std::vector<std::string>{});
    html += "<h2>Pearson correlations</h2><div class='grid'>";
    for (const char* which : {"reference", "candidate"}) {
      if (!c.contains(which) || c[which].size() != columns.size()) {
        return absl::InvalidArgumentError(absl::StrCat("report: correlations.", which, " must be ",
                                                       columns.size(), " x ", columns.size()));
      }
      html += HeatMap(which, columns, c[which]);
    }
    html += "</div>";
  }
  // Figures a script assembled (line_plot.h), e.g. GANplification's
  // quantile error against the training-sample size.
  const Json figures = data.value("figures", Json::array());
  if (figures.is_array() && !figures.empty()) {
    html += "<h2>Figures</h2><div class='grid'>";
    for (size_t i = 0; i < figures.size(); ++i) {
      absl::StatusOr<std::string> plot = RenderLinePlot(figures[i], absl::StrCat("report: figures[", i, "]"));
      if (!plot.ok()) return plot.status();
      html += *plot;
    }
    html += "</div>";
  }
  return html + "</body></html>\n";
}

}  // namespace evgen::report
