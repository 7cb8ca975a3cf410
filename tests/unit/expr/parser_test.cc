#include "core/expr/parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/expr/evaluator.h"

namespace evgen::expr {
namespace {

const std::vector<std::string> kColumns = {"pt1", "eta1", "phi1", "Q1", "pt2", "eta2", "phi2", "Q2", "px 1"};
const float kRow[] = {30, 0.5f, 0.1f, 1, 40, -1.2f, 2.9f, -1, 3};

double Value(const std::string& text) {
  auto e = Compile(text, kColumns);
  EXPECT_TRUE(e.ok()) << text << ": " << e.status();
  return e.ok() ? Evaluate(*e, kRow) : -999;
}

std::string Error(const std::string& text) {
  auto e = Compile(text, kColumns);
  EXPECT_FALSE(e.ok()) << text;
  return std::string(e.status().message());
}

TEST(ParserTest, FollowsCPrecedenceWithRightAssociativePower) {
  EXPECT_EQ(Value("1 + 2 * 3"), 7);
  EXPECT_EQ(Value("(1 + 2) * 3"), 9);
  EXPECT_EQ(Value("8 - 2 - 1"), 5);
  EXPECT_EQ(Value("8 / 4 / 2"), 1);
  EXPECT_EQ(Value("-2^2"), -4);
  EXPECT_EQ(Value("2^3^2"), 512);
  EXPECT_EQ(Value("2^-1"), 0.5);
  EXPECT_EQ(Value("--3"), 3);
  EXPECT_EQ(Value("+3"), 3);
}

TEST(ParserTest, ReadsColumnsFunctionsAndConditions) {
  EXPECT_EQ(Value("Q1*Q2 < 0"), 1);
  EXPECT_EQ(Value("Q1*Q2 > 0"), 0);
  EXPECT_EQ(Value("pt1 > 20 && pt2 > 20"), 1);
  EXPECT_EQ(Value("pt1 > 35 || pt2 > 35"), 1);
  EXPECT_EQ(Value("!(pt1 > 35)"), 1);
  EXPECT_EQ(Value("pt1 >= 30 && pt1 <= 30 && pt1 == 30 && pt1 != 31"), 1);
  EXPECT_EQ(Value("`px 1` * 2"), 6);
  EXPECT_NEAR(Value("mass(pt1,eta1,phi1,0, pt2,eta2,phi2,0)"), 95.12775996805928, 1e-4);
  EXPECT_NEAR(Value("abs(delta_phi(phi1, phi2))"), 2.8, 1e-6);
  EXPECT_NEAR(Value("pi()"), 3.14159265358979, 1e-12);
  EXPECT_EQ(Value("max(pt1, pt2, 35)"), 40);
}

TEST(ParserTest, KnowsTheTypeOfTheResult) {
  EXPECT_EQ(Compile("pt1 + 1", kColumns)->root->type, ValueType::kNumber);
  EXPECT_EQ(Compile("pt1 > 1", kColumns)->root->type, ValueType::kCondition);
}

TEST(ParserTest, UnknownNamesListWhatExists) {
  EXPECT_EQ(Error("Q1*Q3<0"),
            "column 4: unknown column 'Q3'; columns: pt1, eta1, phi1, Q1, pt2, eta2, phi2, Q2, px 1");
  const std::string f = Error("2 * masss(pt1, eta1, phi1, 0)");
  EXPECT_NE(f.find("column 5: unknown function 'masss'; functions: abs, sqrt"), std::string::npos) << f;
  EXPECT_NE(f.find("mass_e"), std::string::npos);
}

TEST(ParserTest, ManyColumnsAreListedWithACount) {
  std::vector<std::string> many;
  for (int i = 0; i < 50; ++i) many.push_back("c" + std::to_string(i));
  auto e = Compile("x", many);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("c39, ... (10 more)"), std::string::npos) << e.status();
}

TEST(ParserTest, WrongArityNamesTheExpectedCount) {
  EXPECT_EQ(Error("sqrt(pt1, pt2)"), "column 1: sqrt takes 1 argument, got 2; sqrt(x)");
  EXPECT_EQ(Error("1 + mass(pt1,eta1,phi1)"),
            "column 5: mass takes groups of 4 arguments (pt, eta, phi, m) per particle, at most 16 "
            "particles, got 3; mass(pt, eta, phi, m, ...)");
  EXPECT_EQ(Error("delta_r(eta1, phi1)"),
            "column 1: delta_r takes 4 arguments, got 2; delta_r(eta1, phi1, eta2, phi2)");
}

TEST(ParserTest, SyntaxErrorsPointAtTheProblem) {
  EXPECT_EQ(Error(""), "column 1: the expression is empty");
  EXPECT_EQ(Error("pt1 * * pt2"), "column 7: expected a number, a column or '(', found '*'");
  EXPECT_EQ(Error("(pt1 + 2"), "column 9: expected ')' to close the '(' at column 1, found the end of the expression");
  EXPECT_EQ(Error("pt1 pt2"), "column 5: unexpected 'pt2' after a complete expression; an operator is missing?");
  EXPECT_EQ(Error("sqrt(pt1 pt2)"),
            "column 10: expected ',' or ')' in the call of sqrt at column 1, found 'pt2'");
  EXPECT_EQ(Error("sqrt(pt1,)"), "column 10: expected a number, a column or '(', found ')'");
  EXPECT_EQ(Error("0 < pt1 < 10"), "column 9: comparisons do not chain; write a < b && b < c");
  EXPECT_EQ(Error("`px 1`(2)"), "column 7: unexpected '(' after a complete expression; an operator is missing?");
}

TEST(ParserTest, TypeErrorsSayWhichSide) {
  EXPECT_EQ(Error("pt1 && Q1 < 0"),
            "column 5: '&&' joins conditions, but its left side is a number; compare it, e.g. x > 0");
  EXPECT_EQ(Error("(pt1 > 0) + 1"), "column 11: '+' needs numbers, but its left side is a condition");
  EXPECT_EQ(Error("!pt1"), "column 1: '!' negates a condition, but got a number; compare it, e.g. !(x > 0)");
  EXPECT_EQ(Error("-(pt1 > 0)"), "column 1: unary '-' needs a number, but got a condition");
  EXPECT_EQ(Error("sqrt(pt1 > 0)"), "column 6: argument 1 of sqrt is a condition; functions take numbers");
}

TEST(ParserTest, DepthIsBounded) {
  std::string nested = std::string(100, '(') + "1" + std::string(100, ')');
  EXPECT_NE(Error(nested).find("nests deeper than 64 levels"), std::string::npos);
  std::string negations(100, '-');
  EXPECT_NE(Error(negations + "1").find("nests deeper than 64 levels"), std::string::npos);
  std::string sum = "1";
  for (int i = 0; i < 100; ++i) sum += "+1";
  EXPECT_NE(Error(sum).find("nests deeper than 64 levels"), std::string::npos);
  std::string fine = std::string(30, '(') + "1" + std::string(30, ')');
  EXPECT_EQ(Value(fine), 1);
}

TEST(ParserTest, SurvivesEveryPrefixOfAValidExpression) {
  const std::string text = "mass(pt1,eta1,phi1,0.1, pt2,eta2,phi2,0.1) > 60 && !(Q1*Q2 >= 0) || `px 1` ^ 2 < 1e3";
  for (size_t n = 0; n <= text.size(); ++n) (void)Compile(text.substr(0, n), kColumns);
  EXPECT_EQ(Value(text), 1);
}

// RandomText strings tokens together with a fixed linear congruential
// generator, so the run is the same every time.
std::string RandomText(uint64_t& state, int tokens) {
  static const char* const kPieces[] = {"pt1", "eta2", "`px 1`", "Q1", "1", "0", "1e308", "-", "+", "*", "/", "^",
                                        "<", ">=", "==", "&&", "||", "!", "(", ")", ",", "mass(", "sqrt(", "min(",
                                        "delta_phi(", "pi()", "log(", " ", "`", "=", "2.5e"};
  std::string text;
  for (int i = 0; i < tokens; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    text += kPieces[(state >> 33) % (sizeof(kPieces) / sizeof(kPieces[0]))];
  }
  return text;
}

TEST(ParserTest, RandomTextsCompileOrFailCleanlyAndEvaluateOnAnyRow) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const float rows[][9] = {{30, 0.5f, 0.1f, 1, 40, -1.2f, 2.9f, -1, 3},
                           {nan, nan, nan, nan, nan, nan, nan, nan, nan},
                           {inf, -inf, inf, 0, -inf, inf, 0, 0, 3.4e38f}};
  uint64_t state = 12345;
  int compiled = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = RandomText(state, 1 + i % 12);
    absl::StatusOr<Expression> e = Compile(text, kColumns);
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << text;
      continue;
    }
    ++compiled;
    for (const auto& row : rows) (void)ToFloat32(Evaluate(*e, row));
  }
  EXPECT_GT(compiled, 500);
}

}  // namespace
}  // namespace evgen::expr
