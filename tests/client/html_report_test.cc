#include "client/report/html_report.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"
#include "tests/client/text_count.h"

namespace evgen::report {
namespace {

nlohmann::json Data() {
  nlohmann::json feature = {{"name", "mass_gev"},
                            {"edges", {0, 10, 20, 30}},
                            {"reference", {0.02, 0.05, 0.03}},
                            {"reference_err", {0.001, 0.002, 0.001}},
                            {"candidate", {0.021, 0.048, 0.031}},
                            {"candidate_err", {0.001, 0.002, 0.001}},
                            {"ratio", {1.05, 0.96, 1.03}},
                            {"ratio_err", {0.05, 0.04, 0.05}}};
  nlohmann::json pt = feature;
  pt["name"] = "pt<gev>";
  return {{"title", "test"},
          {"reference", "qcd:validation"},
          {"candidate", "masses.npy"},
          {"features", {feature, pt}},
          {"correlations", {{"columns", {"a", "b"}}, {"reference", {{1, 0.3}, {0.3, 1}}}, {"candidate", {{1, -0.2}, {-0.2, 1}}}}},
          {"metrics", {{{"name", "separation-power"}, {"value", 0.04}, {"uncertainty", 0.001}, {"warnings", {"few rows"}}}}}};
}

TEST(HtmlReportTest, HasAPlotPerFeatureHeatMapsAndTheMetricTable) {
  absl::StatusOr<std::string> html = RenderHtmlReport(Data());
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_EQ(Count(*html, "<svg class='plot'"), 2u);
  EXPECT_EQ(Count(*html, "<svg class='heatmap'"), 2u);
  EXPECT_NE(html->find("<td>separation-power</td><td>0.04</td>"), std::string::npos);
  EXPECT_NE(html->find("few rows"), std::string::npos);
  // Names are escaped, and the page loads nothing from elsewhere.
  EXPECT_NE(html->find("pt&lt;gev&gt;"), std::string::npos);
  EXPECT_EQ(html->find("http://", html->find("</head>")), std::string::npos);
  EXPECT_EQ(html->find("<script"), std::string::npos);
}

TEST(HtmlReportTest, MalformedDataIsRefusedNamingTheField) {
  nlohmann::json data = Data();
  data["features"][0]["edges"] = {0, 1};
  absl::Status s = RenderHtmlReport(data).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("mass_gev"), std::string::npos);
  data = Data();
  data["correlations"]["candidate"] = {{1}};
  EXPECT_EQ(RenderHtmlReport(data).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HtmlReportTest, ShowsPeakFitsWhenGiven) {
  nlohmann::json data = Data();
  EXPECT_EQ(RenderHtmlReport(data)->find("Peak fits"), std::string::npos);
  data["peaks"] = {{{"fitted", "column m_mumu"},
                    {"shape", "breit-wigner"},
                    {"reference", {{"position_gev", 90.915}, {"position_error_gev", 0.009}, {"width_gev", 4.1},
                                   {"width_error_gev", 0.02}, {"entries", 96078}, {"converged", true}}},
                    {"candidate", {{"position_gev", 90.757}, {"position_error_gev", nullptr}, {"converged", false}}}}};
  absl::StatusOr<std::string> html = RenderHtmlReport(data);
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_NE(html->find("<h2>Peak fits</h2>"), std::string::npos);
  EXPECT_NE(html->find("<td>column m_mumu</td><td>breit-wigner</td><td>reference</td><td>90.915 &plusmn; 0.009</td>"),
            std::string::npos);
  // A NaN error (null in JSON) shows as nan instead of failing the report.
  EXPECT_NE(html->find("<td>candidate</td><td>90.757 &plusmn; nan</td>"), std::string::npos) << *html;
}

TEST(HtmlReportTest, ShowsCalibrationCurvesWhenGiven) {
  nlohmann::json data = Data();
  EXPECT_EQ(RenderHtmlReport(data)->find("Posterior calibration"), std::string::npos);
  const nlohmann::json curve = {{"column", "pt1_gen"},
                                {"nominal", {0.25, 0.75}},
                                {"coverage", {0.3, 0.7}},
                                {"error", {0.01, 0.01}}};
  nlohmann::json other = curve;
  other["column"] = "pt<2>";
  data["calibration"] = {{"events", 1500}, {"samples_per_event", 60}, {"curves", {curve, other}}};
  absl::StatusOr<std::string> html = RenderHtmlReport(data);
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_NE(html->find("<h2>Posterior calibration</h2><p>1500 held-out events, 60 posterior samples"),
            std::string::npos);
  EXPECT_EQ(Count(*html, "<svg class='calibration'"), 2u);
  EXPECT_NE(html->find("data-column='pt&lt;2&gt;'"), std::string::npos);
  // One point per level; the diagonal from (0, 0) to (1, 1) of the frame.
  EXPECT_NE(html->find("<title>q = 0.25: 0.3000</title>"), std::string::npos);
  EXPECT_NE(html->find("x1='60.0' y1='250.0' x2='440.0' y2='10.0'"), std::string::npos);
  data["calibration"]["curves"][0]["coverage"] = {0.3};
  absl::Status s = RenderHtmlReport(data).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("pt1_gen"), std::string::npos);
}

}  // namespace
}  // namespace evgen::report
