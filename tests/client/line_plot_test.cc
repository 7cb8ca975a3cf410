#include "client/report/line_plot.h"

#include <gtest/gtest.h>

#include "client/report/html_report.h"
#include "nlohmann/json.hpp"
#include "tests/client/text_count.h"

namespace evgen::report {
namespace {

nlohmann::json Figure() {
  return {{"title", "quantile error <20 quantiles>"},
          {"x_label", "training events"},
          {"y_label", "MSE"},
          {"log_x", true},
          {"log_y", true},
          {"series",
           {{{"name", "training sample"}, {"x", {100, 1000}}, {"y", {5e-4, 5e-5}}, {"y_err", {1e-4, 1e-5}}},
            {{"name", "flow"}, {"x", {100, 1000}}, {"y", {2e-4, nullptr}}},
            {{"name", "truth expectation"}, {"x", {100, 1000}}, {"y", {4.75e-4, 4.75e-5}}, {"dashed", true}}}}};
}

TEST(LinePlotTest, DrawsEverySeriesWithLegendAndDecadeTicks) {
  absl::StatusOr<std::string> svg = RenderLinePlot(Figure(), "figure");
  ASSERT_TRUE(svg.ok()) << svg.status();
  EXPECT_EQ(Count(*svg, "<svg class='lineplot'"), 1u);
  EXPECT_EQ(Count(*svg, "<path "), 3u);
  // Markers for the solid series' usable points only (the null is left out).
  EXPECT_EQ(Count(*svg, "<circle"), 3u);
  EXPECT_EQ(Count(*svg, "stroke-dasharray"), 2u);  // the dashed line and its legend entry
  EXPECT_NE(svg->find(">flow</text>"), std::string::npos);
  // Log axes tick at whole decades: 1e-05 .. 0.001 on y, 100 and 1000 on x.
  EXPECT_NE(svg->find(">1e-05</text>"), std::string::npos);
  EXPECT_NE(svg->find(">0.001</text>"), std::string::npos);
  EXPECT_NE(svg->find(">1000</text>"), std::string::npos);
  EXPECT_NE(svg->find("&lt;20 quantiles&gt;"), std::string::npos);
}

TEST(LinePlotTest, MalformedFiguresAreRefusedNamingTheField) {
  nlohmann::json f = Figure();
  f["series"][1]["y"] = {1};
  absl::Status s = RenderLinePlot(f, "figures[0]").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "figures[0].series[1].y: has 1 values, x has 2");
  f = Figure();
  f["series"][0]["y_err"] = "big";
  EXPECT_EQ(RenderLinePlot(f, "f").status().message(), "f.series[0].y_err: must be an array of numbers");
  f["series"] = nlohmann::json::array();
  EXPECT_EQ(RenderLinePlot(f, "f").status().message(), "f.series: must be a non-empty array");
}

TEST(LinePlotTest, ReportShowsFiguresUnderTheirHeading) {
  nlohmann::json data = {{"title", "t"}, {"figures", {Figure(), Figure()}}};
  absl::StatusOr<std::string> html = RenderHtmlReport(data);
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_NE(html->find("<h2>Figures</h2>"), std::string::npos);
  EXPECT_EQ(Count(*html, "<svg class='lineplot'"), 2u);
  data["figures"][1]["series"] = 3;
  EXPECT_NE(RenderHtmlReport(data).status().message().find("report: figures[1].series"), std::string::npos);
  // Without figures the section is absent.
  html = RenderHtmlReport({{"title", "t"}});
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->find("Figures"), std::string::npos);
}

}  // namespace
}  // namespace evgen::report
