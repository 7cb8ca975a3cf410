#include "client/report/line_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/report/html_escape.h"
#include "nlohmann/json.hpp"

namespace evgen::report {
namespace {

using Json = nlohmann::json;

constexpr double kLeft = 70, kTop = 28, kWidth = 420, kHeight = 260;
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#333333"};


struct Series {
  std::string name;
  std::vector<double> x, y, y_err;
  bool dashed = false;
};

// Numbers reads an array of numbers (null reads NaN); InvalidArgument names it.
absl::StatusOr<std::vector<double>> Numbers(const Json& j, const std::string& field, const std::string& where) {
  if (!j.contains(field) || !j[field].is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".", field, ": must be an array of numbers"));
  }
  std::vector<double> out;
  for (const Json& v : j[field]) {
    if (!v.is_number() && !v.is_null()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".", field, ": must be an array of numbers"));
    }
    out.push_back(v.is_number() ? v.get<double>() : std::nan(""));
  }
  return out;
}

absl::StatusOr<std::vector<Series>> ReadSeries(const Json& figure, const std::string& where) {
  if (!figure.contains("series") || !figure["series"].is_array() || figure["series"].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".series: must be a non-empty array"));
  }
  std::vector<Series> out;
  for (size_t i = 0; i < figure["series"].size(); ++i) {
    const Json& s = figure["series"][i];
    const std::string at = absl::StrCat(where, ".series[", i, "]");
    if (!s.is_object()) return absl::InvalidArgumentError(absl::StrCat(at, ": must be an object"));
    Series series;
    series.name = s.value("name", absl::StrCat("series ", i));
    absl::StatusOr<std::vector<double>> x = Numbers(s, "x", at), y = Numbers(s, "y", at);
    if (!x.ok()) return x.status();
    if (!y.ok()) return y.status();
    series.x = *std::move(x);
    series.y = *std::move(y);
    if (series.x.size() != series.y.size()) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".y: has ", series.y.size(), " values, x has ",
                                                     series.x.size()));
    }
    if (s.contains("y_err")) {
      absl::StatusOr<std::vector<double>> e = Numbers(s, "y_err", at);
      if (!e.ok()) return e.status();
      if (e->size() != series.x.size()) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".y_err: has ", e->size(), " values, x has ",
                                                       series.x.size()));
      }
      series.y_err = *std::move(e);
    }
    series.dashed = s.value("dashed", false);
    out.push_back(std::move(series));
  }
  return out;
}

// Axis maps data to pixels along one direction, logarithmically or not.
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;  // in transformed units (log10 on a log axis)
  bool Usable(double v) const { return std::isfinite(v) && (!log || v > 0); }
  double T(double v) const { return log ? std::log10(v) : v; }
  double Fraction(double v) const { return (T(v) - lo) / (hi - lo); }
};

// Fit spans the usable values, on a log axis out to whole decades.
Axis Fit(bool log, const std::vector<double>& values) {
  Axis a;
  a.log = log;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (!a.Usable(v)) continue;
    lo = std::min(lo, a.T(v));
    hi = std::max(hi, a.T(v));
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (log) {
    lo = std::floor(lo);
    hi = std::max(std::ceil(hi), lo + 1);
  } else {
    const double pad = hi > lo ? 0.05 * (hi - lo) : 0.5;
    lo -= pad;
    hi += pad;
  }
  a.lo = lo;
  a.hi = hi;
  return a;
}

// Ticks: every decade of a log axis (every other beyond 8), or 5 even steps.
std::vector<double> Ticks(const Axis& a) {
  std::vector<double> out;
  if (a.log) {
    const int step = a.hi - a.lo > 8 ? 2 : 1;
    for (double e = a.lo; e <= a.hi + 1e-9; e += step) out.push_back(std::pow(10.0, e));
  } else {
    for (int i = 0; i <= 5; ++i) out.push_back(a.lo + (a.hi - a.lo) * i / 5);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> RenderLinePlot(const Json& figure, const std::string& where) {
  if (!figure.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": must be a JSON object"));
  absl::StatusOr<std::vector<Series>> series = ReadSeries(figure, where);
  if (!series.ok()) return series.status();
  std::vector<double> xs, ys;
  for (const Series& s : *series) {
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    for (size_t i = 0; i < s.y.size(); ++i) {
      ys.push_back(s.y[i]);
      if (!s.y_err.empty() && std::isfinite(s.y_err[i])) {
        ys.push_back(s.y[i] + s.y_err[i]);
        ys.push_back(s.y[i] - s.y_err[i]);
      }
    }
  }
  const Axis ax = Fit(figure.value("log_x", false), xs), ay = Fit(figure.value("log_y", false), ys);
  auto px = [&ax](double v) { return kLeft + ax.Fraction(v) * kWidth; };
  auto py = [&ay](double v) { return kTop + kHeight - std::clamp(ay.Fraction(v), -0.02, 1.02) * kHeight; };
  const std::string title = figure.value("title", "");
  std::string svg = absl::StrFormat(
      "<svg class='lineplot' xmlns='http://www.w3.org/2000/svg' data-title='%s' width='%.0f' height='%.0f' viewBox='0 0 %.0f %.0f'>"
      "<text x='%.1f' y='16' font-size='12'>%s</text>"
      "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='none' stroke='#333'/>",
      EscapeHtml(title), kLeft + kWidth + 170, kTop + kHeight + 45, kLeft + kWidth + 170, kTop + kHeight + 45, kLeft,
      EscapeHtml(title), kLeft, kTop, kWidth, kHeight);
  for (double t : Ticks(ay)) {
    svg += absl::StrFormat(
        "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='#ddd'/>"
        "<text x='%.1f' y='%.1f' font-size='10' text-anchor='end'>%.3g</text>",
        kLeft, kLeft + kWidth, py(t), py(t), kLeft - 4, py(t) + 3, t);
  }
  for (double t : Ticks(ax)) {
    svg += absl::StrFormat(
        "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='#eee'/>"
        "<text x='%.1f' y='%.1f' font-size='10' text-anchor='middle'>%.4g</text>",
        px(t), px(t), kTop, kTop + kHeight, px(t), kTop + kHeight + 13, t);
  }
  svg += absl::StrFormat(
      "<text x='%.1f' y='%.1f' font-size='11' text-anchor='middle'>%s</text>"
      "<text x='%.1f' y='%.1f' font-size='11' transform='rotate(-90 %.1f %.1f)' text-anchor='middle'>%s</text>",
      kLeft + kWidth / 2, kTop + kHeight + 30, EscapeHtml(figure.value("x_label", "")), kLeft - 52,
      kTop + kHeight / 2, kLeft - 52, kTop + kHeight / 2, EscapeHtml(figure.value("y_label", "")));
  for (size_t k = 0; k < series->size(); ++k) {
    const Series& s = (*series)[k];
    const char* colour = kColours[k % (sizeof(kColours) / sizeof(kColours[0]))];
    std::string path;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!ax.Usable(s.x[i]) || !ay.Usable(s.y[i])) continue;
      path += absl::StrFormat("%s%.1f %.1f", path.empty() ? "M" : " L", px(s.x[i]), py(s.y[i]));
      if (!s.y_err.empty() && std::isfinite(s.y_err[i]) && s.y_err[i] > 0) {
        const double lo = s.y[i] - s.y_err[i];
        svg += absl::StrFormat("<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='%s'/>", px(s.x[i]),
                               px(s.x[i]), ay.Usable(lo) ? py(lo) : kTop + kHeight, py(s.y[i] + s.y_err[i]), colour);
      }
      if (!s.dashed) {
        svg += absl::StrFormat("<circle cx='%.1f' cy='%.1f' r='3' fill='%s'><title>%s: (%.4g, %.4g)</title></circle>",
                               px(s.x[i]), py(s.y[i]), colour, EscapeHtml(s.name), s.x[i], s.y[i]);
      }
    }
    if (!path.empty()) {
      svg += absl::StrFormat("<path d='%s' fill='none' stroke='%s' stroke-width='1.5'%s/>", path, colour,
                             s.dashed ? " stroke-dasharray='5 4'" : "");
    }
    const double ly = kTop + 10 + 16 * static_cast<double>(k);
    svg += absl::StrFormat(
        "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='%s' stroke-width='2'%s/>"
        "<text x='%.1f' y='%.1f' font-size='11'>%s</text>",
        kLeft + kWidth + 10, kLeft + kWidth + 28, ly, ly, colour, s.dashed ? " stroke-dasharray='5 4'" : "",
        kLeft + kWidth + 32, ly + 4, EscapeHtml(s.name));
  }
  return svg + "</svg>";
}

}  // namespace evgen::report
