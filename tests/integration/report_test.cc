// `evgen report` end to end: a real evgend computes the histograms,
// correlations and metrics, the CLI renders the page, and headless Chromium
// (Debian's package) opens it: it must load without console messages, show
// one plot per feature and the heat maps, and leave a screenshot behind as an
// artifact (build/.../artifacts/report.png).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportTest, TemplateReportOpensInHeadlessChromium) {
  const std::string dir = MakeTempDir("evgen-report");
  auto server = EvgendProcess::Start(dir + "/data");
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();
  ASSERT_EQ(RunCliCapture(address, {"datasets", "generate", "qcd-multijet", "-n", "20000", "--name", "qcd"}).code, 0);
  ASSERT_EQ(RunCliCapture(address, {"train", "template", "--dataset", "qcd", "--name", "tpl", "--wait"}).code, 0);
  const std::string sample = dir + "/masses.npy";
  ASSERT_EQ(RunCliCapture(address, {"sample", "20000", "--model", "tpl", "--conditions-from", "qcd", "--region",
                                    "validation", "--keep", "n_track", "-o", sample}).code, 0);

  const std::string html = dir + "/report.html";
  CliResult report = RunCliCapture(address, {"report", "qcd:validation", sample, "-o", html, "-m",
                                             "separation-power", "-m", "wasserstein-1"});
  ASSERT_EQ(report.code, 0) << report.err;
  const std::string page = ReadAll(html);
  EXPECT_EQ(Count(page, "<svg class='plot'"), 4u) << "pt_gev, eta, mass_gev, n_track";
  EXPECT_EQ(Count(page, "<svg class='heatmap'"), 2u);
  EXPECT_NE(page.find("<td>separation-power</td>"), std::string::npos);

  CliResult json = RunCliCapture(address, {"--json", "report", "qcd:validation", sample, "-o", html});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["features"].size(), 4u);

  if (std::system("command -v chromium >/dev/null 2>&1") != 0) GTEST_SKIP() << "chromium is not installed";
  const std::string artifacts = std::filesystem::path(EVGEN_EVGEND_PATH).parent_path().parent_path().string() +
                                "/artifacts";
  std::filesystem::create_directories(artifacts);
  const std::string flags =
      "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
      "--disable-component-update --disable-sync --enable-logging=stderr --v=0 --user-data-dir=" +
      dir + "/chromium";
  const std::string dom = dir + "/dom.html", log = dir + "/chromium.log";
  ASSERT_EQ(std::system(("timeout 120 chromium " + flags + " --dump-dom file://" + html + " > " + dom + " 2> " +
                         log).c_str()),
            0)
      << ReadAll(log);
  ASSERT_EQ(std::system(("timeout 120 chromium " + flags + " --window-size=1400,2400 --screenshot=" + artifacts +
                         "/report.png file://" + html + " 2>> " + log).c_str()),
            0)
      << ReadAll(log);
  const std::string rendered = ReadAll(dom);
  EXPECT_EQ(Count(rendered, "class=\"plot\""), 4u);
  EXPECT_EQ(Count(rendered, "class=\"heatmap\""), 2u);
  EXPECT_EQ(ReadAll(log).find("CONSOLE"), std::string::npos) << "console messages:\n" << ReadAll(log);
  EXPECT_GT(std::filesystem::file_size(artifacts + "/report.png"), 10000u);
  std::filesystem::remove_all(dir);
}

// --figure adds a script's line plot (client/report/line_plot.h) under
// Figures; a file that is not a JSON object is refused before any call.
TEST(ReportTest, FigureFilesAreDrawnAndBadOnesRefused) {
  const std::string dir = MakeTempDir("evgen-report-figure");
  auto server = EvgendProcess::Start(dir + "/data");
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();
  ASSERT_EQ(RunCliCapture(address, {"datasets", "generate", "camel", "-n", "20000", "--name", "truth"}).code, 0);
  ASSERT_EQ(RunCliCapture(address, {"datasets", "generate", "camel", "-n", "300", "--seed", "2", "--name", "few"}).code,
            0);
  const std::string figure = dir + "/figure.json", bad = dir + "/bad.json", html = dir + "/report.html";
  std::ofstream(figure) << R"({"title": "quantile error", "log_x": true, "log_y": true,
      "series": [{"name": "training", "x": [100, 300], "y": [4e-4, 1.5e-4]}]})";
  std::ofstream(bad) << "[1, 2";
  CliResult report = RunCliCapture(address, {"report", "truth", "few", "-o", html, "-m", "quantile-error",
                                             "--figure", figure, "--figure", figure});
  ASSERT_EQ(report.code, 0) << report.err;
  const std::string page = ReadAll(html);
  EXPECT_EQ(Count(page, "<svg class='lineplot'"), 2u);
  EXPECT_NE(page.find("<td>quantile-error</td>"), std::string::npos);

  CliResult refused = RunCliCapture(address, {"report", "truth", "few", "-o", html, "--figure", bad});
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.err.find("--figure: " + bad + " is not a JSON object"), std::string::npos) << refused.err;
  refused = RunCliCapture(address, {"report", "truth", "few", "-o", html, "--figure", dir + "/missing.json"});
  EXPECT_NE(refused.err.find("--figure: cannot read"), std::string::npos) << refused.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen::testing
