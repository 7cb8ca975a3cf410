#include "core/io/read_report.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

ReadReport Sample() {
  ReadReport r;
  r.events_in_file = 10000;
  r.events_kept = 5512;
  r.events_skipped = {{kSkipOtherMultiplicity, 4488}};
  r.events_per_multiplicity = {{2, 5512}};
  r.rows = 5512;
  r.columns = 8;
  r.non_finite_values = 3;
  r.write_options = {{"idwtup", "3"}};
  r.notes = {"stopped after max_events=5512 kept events; the file may hold more"};
  return r;
}

TEST(ReadReportTest, JsonRoundTripKeepsEveryField) {
  const ReadReport r = Sample();
  const nlohmann::json j = r.ToJson();
  EXPECT_EQ(j["events_per_multiplicity"]["2"], 5512);  // numbers stay numbers
  EXPECT_EQ(j["events_skipped"][kSkipOtherMultiplicity], 4488);
  absl::StatusOr<ReadReport> back = ReadReport::FromJson(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->events_in_file, r.events_in_file);
  EXPECT_EQ(back->events_kept, r.events_kept);
  EXPECT_EQ(back->events_skipped, r.events_skipped);
  EXPECT_EQ(back->events_per_multiplicity, r.events_per_multiplicity);
  EXPECT_EQ(back->rows, r.rows);
  EXPECT_EQ(back->columns, r.columns);
  EXPECT_EQ(back->non_finite_values, r.non_finite_values);
  EXPECT_EQ(back->write_options, r.write_options);
  EXPECT_EQ(back->notes, r.notes);
  EXPECT_EQ(back->events_skipped_total(), 4488);
}

TEST(ReadReportTest, MissingKeysKeepDefaults) {
  absl::StatusOr<ReadReport> r = ReadReport::FromJson(nlohmann::json::object());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->events_kept, 0);
  EXPECT_TRUE(r->notes.empty());
}

TEST(ReadReportTest, BadValuesAreRefusedNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([1, 2])", "expected a JSON object"},
      {R"({"events_kept": -1})", "'events_kept' must be a non-negative integer"},
      {R"({"rows": "12"})", "'rows'"},
      {R"({"events_skipped": {"x": 1.5}})", "'events_skipped.x'"},
      {R"({"events_per_multiplicity": {"two": 3}})", "'events_per_multiplicity.two'"},
      {R"({"write_options": {"idwtup": 3}})", "'write_options.idwtup' must be a string"},
      {R"({"notes": "one"})", "'notes' must be an array of strings"},
  };
  for (const auto& [text, expected] : cases) {
    absl::Status s = ReadReport::FromJson(nlohmann::json::parse(text)).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(absl::StrContains(s.message(), expected)) << s;
  }
}

}  // namespace
}  // namespace evgen
