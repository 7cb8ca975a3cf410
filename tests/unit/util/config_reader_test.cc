#include "core/util/config_reader.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace evgen {
namespace {

using nlohmann::json;

struct Optimizer {
  std::string name = "adam";
  double lr = 2e-4;
};

struct Config {
  int64_t steps = 100;
  int n_critic = 1;
  bool dropout = true;
  std::vector<std::string> columns = {"a"};
  std::vector<int64_t> hidden = {8};
  std::vector<double> widths;
  Optimizer optimizer;
};

absl::Status Read(const json& j, Config& c) {
  ConfigReader r(j, "config");
  r.Integer("steps", c.steps, 1, 1000)
      .Integer("n_critic", c.n_critic, 1, 100)
      .Bool("dropout", c.dropout)
      .Strings("columns", c.columns)
      .Integers("hidden", c.hidden, 1, 8192)
      .Numbers("widths", c.widths, Interval::Open(0, 100))
      .Child("optimizer", [&c](ConfigReader& o) {
        o.Choice("name", c.optimizer.name, {"adam", "rmsprop"})
            .Number("lr", c.optimizer.lr, Interval::OpenClosed(0, 1));
      });
  return r.Finish();
}

std::string Message(const json& j) {
  Config c;
  const absl::Status s = Read(j, c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << j.dump();
  return std::string(s.message());
}

TEST(ConfigReaderTest, MissingKeysKeepTheDefaults) {
  Config c;
  ASSERT_TRUE(Read(json::object(), c).ok());
  EXPECT_EQ(c.steps, 100);
  EXPECT_EQ(c.optimizer.name, "adam");
  EXPECT_EQ(c.columns, std::vector<std::string>{"a"});
  ASSERT_TRUE(Read(json(), c).ok()) << "null reads as an empty object";
}

TEST(ConfigReaderTest, ReadsEveryTypeIncludingNestedObjects) {
  Config c;
  const json j = {{"steps", 7},        {"n_critic", 5},        {"dropout", false},
                  {"columns", {"x", "y"}}, {"hidden", {16, 32}}, {"widths", {2.085, 1.5}},
                  {"optimizer", {{"name", "rmsprop"}, {"lr", 1}}}};
  ASSERT_TRUE(Read(j, c).ok());
  EXPECT_EQ(c.steps, 7);
  EXPECT_EQ(c.n_critic, 5);
  EXPECT_FALSE(c.dropout);
  EXPECT_EQ(c.columns, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(c.hidden, (std::vector<int64_t>{16, 32}));
  EXPECT_EQ(c.widths, (std::vector<double>{2.085, 1.5}));
  EXPECT_EQ(c.optimizer.name, "rmsprop");
  EXPECT_EQ(c.optimizer.lr, 1.0);
}

TEST(ConfigReaderTest, MessagesNameTheNestedPathAndTheRule) {
  EXPECT_EQ(Message({{"optimizer", {{"lr", 5}}}}), "config.optimizer.lr must be a number in (0, 1], got 5");
  EXPECT_EQ(Message({{"optimizer", {{"lr", 0}}}}), "config.optimizer.lr must be a number in (0, 1], got 0");
  EXPECT_EQ(Message({{"optimizer", {{"name", "sgd"}}}}),
            "config.optimizer.name must be one of \"adam\", \"rmsprop\", got \"sgd\"");
  EXPECT_EQ(Message({{"steps", 0}}), "config.steps must be an integer in [1, 1000], got 0");
  EXPECT_EQ(Message({{"steps", 2.5}}), "config.steps must be an integer in [1, 1000], got 2.5");
  EXPECT_EQ(Message({{"steps", "7"}}), "config.steps must be an integer in [1, 1000], got \"7\"");
  EXPECT_EQ(Message({{"dropout", 1}}), "config.dropout must be true or false, got 1");
  EXPECT_EQ(Message({{"columns", {"x", ""}}}), "config.columns must be a list of non-empty strings, got [\"x\",\"\"]");
  EXPECT_EQ(Message({{"widths", {1, 0}}}), "config.widths must be a list of numbers in (0, 100), got [1,0]");
  EXPECT_EQ(Message({{"optimizer", 3}}), "config.optimizer must be a JSON object, got 3");
}

TEST(ConfigReaderTest, UnsignedValuesCannotWrapIntoRange) {
  EXPECT_EQ(Message({{"n_critic", 18446744073709551615ull}}),
            "config.n_critic must be an integer in [1, 100], got 18446744073709551615");
  EXPECT_EQ(Message({{"hidden", {4294967297ull}}}),
            "config.hidden must be a list of integers in [1, 8192], got [4294967297]");
}

TEST(ConfigReaderTest, UnknownKeysAreRefusedWithTheAllowedOnes) {
  EXPECT_EQ(Message({{"step", 5}}),
            "unknown key 'config.step'; allowed keys are [columns, dropout, hidden, n_critic, optimizer, "
            "steps, widths]");
  EXPECT_EQ(Message({{"optimizer", {{"lr_g", 0.1}}}}),
            "unknown key 'config.optimizer.lr_g'; allowed keys are [lr, name]");
}

TEST(ConfigReaderTest, FirstErrorWins) {
  EXPECT_EQ(Message({{"steps", 0}, {"n_critic", 0}, {"typo", 1}}),
            "config.steps must be an integer in [1, 1000], got 0");
}

TEST(ConfigReaderTest, RequiredAndCrossFieldRules) {
  std::string name;
  int64_t low = 0, high = 10;
  const json j = {{"low", 5}, {"high", 3}};
  ConfigReader r(j, "spec");
  r.Required("name").String("name", name);
  EXPECT_EQ(r.Finish().message(), "spec.name is required");
  ConfigReader ranges(j, "spec");
  ranges.Integer("low", low, 0, 100).Integer("high", high, 0, 100).Require(high > low, "high", "must exceed low");
  EXPECT_EQ(ranges.Finish().message(), "spec.high must exceed low");
}

TEST(ConfigReaderTest, TextValuesParseWhole) {
  const json j = {{"bins", "20"}, {"scale", "0.5"}, {"log", "true"}};
  int bins = 0;
  double scale = 0;
  bool log = false;
  ConfigReader r(j, "metrics.options", ConfigReader::Values::kText);
  r.Integer("bins", bins, 1, 100).Number("scale", scale, Interval::Closed(0, 1)).Bool("log", log);
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(bins, 20);
  EXPECT_EQ(scale, 0.5);
  EXPECT_TRUE(log);
  const json bad = {{"bins", "20x"}};
  ConfigReader b(bad, "metrics.options", ConfigReader::Values::kText);
  b.Integer("bins", bins, 1, 100);
  EXPECT_EQ(b.Finish().message(), "metrics.options.bins must be an integer in [1, 100], got \"20x\"");
}

TEST(ConfigReaderTest, ObjectsMergeOverWhatAPresetSet) {
  json generator = {{"hidden", {8}}, {"dropout", 0.5}};
  const json j = {{"generator", {{"hidden", {16}}}}};
  ConfigReader r(j, "config");
  r.Object("generator", generator);
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(generator, (json{{"hidden", {16}}, {"dropout", 0.5}}));
}

TEST(ConfigReaderTest, IntervalRules) {
  EXPECT_EQ(Interval::OpenClosed(0, 1).Rule(), "a number in (0, 1]");
  EXPECT_EQ(Interval::Finite().Rule(), "a finite number");
  EXPECT_FALSE(Interval::Finite().Contains(std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(Interval::ClosedOpen(0, 1).Contains(0));
  EXPECT_FALSE(Interval::ClosedOpen(0, 1).Contains(1));
}

}  // namespace
}  // namespace evgen
