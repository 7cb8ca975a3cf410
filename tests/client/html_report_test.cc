#include "client/report/html_report.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace evgen::report {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

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

}  // namespace
}  // namespace evgen::report
