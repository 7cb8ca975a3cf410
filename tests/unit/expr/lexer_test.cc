#include "core/expr/lexer.h"

#include <gtest/gtest.h>

#include <string>

namespace evgen::expr {
namespace {

TEST(LexerTest, CutsNumbersNamesAndOperatorsWithTheirColumns) {
  auto tokens = Lex("Q1*Q2 <= -2.5e1 && `px 1`!=.5");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 11u);
  EXPECT_EQ((*tokens)[0].text, "Q1");
  EXPECT_EQ((*tokens)[0].kind, TokenKind::kName);
  EXPECT_EQ((*tokens)[1].text, "*");
  EXPECT_EQ((*tokens)[1].column, 3);
  EXPECT_EQ((*tokens)[3].text, "<=");
  EXPECT_EQ((*tokens)[5].kind, TokenKind::kNumber);
  EXPECT_DOUBLE_EQ((*tokens)[5].number, 25.0);
  EXPECT_EQ((*tokens)[7].kind, TokenKind::kQuotedName);
  EXPECT_EQ((*tokens)[7].text, "px 1");
  EXPECT_EQ((*tokens)[7].column, 20);
  EXPECT_DOUBLE_EQ((*tokens)[9].number, 0.5);
  EXPECT_EQ(tokens->back().kind, TokenKind::kEnd);
}

TEST(LexerTest, DoubledBackquoteIsOneBackquote) {
  auto tokens = Lex("`a``b`");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[0].text, "a`b");
}

TEST(LexerTest, ErrorsNameTheColumnAndTheFix) {
  const auto message = [](const std::string& text) { return std::string(Lex(text).status().message()); };
  EXPECT_EQ(message("pt1 = 3"), "column 5: '=' is not an operator here; compare with '=='");
  EXPECT_EQ(message("a & b"), "column 3: '&' is not an operator; 'and' is written '&&'");
  EXPECT_EQ(message("a | b"), "column 3: '|' is not an operator; 'or' is written '||'");
  EXPECT_NE(message("pt1 # 2").find("column 5: unexpected character '#'"), std::string::npos);
  EXPECT_NE(message("`px 1").find("column 1: a backquoted name is not closed"), std::string::npos);
  EXPECT_NE(message("1e").find("column 1: malformed number '1e'"), std::string::npos);
  EXPECT_NE(message("2jets").find("backquotes"), std::string::npos);
  EXPECT_EQ(message("1e999"), "column 1: number '1e999' is too large for a double");
  EXPECT_NE(message("\xc3\xa9").find("'\\xc3'"), std::string::npos);
}

TEST(LexerTest, RefusesTooLongAText) {
  auto tokens = Lex(std::string(kMaxExpressionChars + 1, '1'));
  ASSERT_FALSE(tokens.ok());
  EXPECT_NE(tokens.status().message().find("at most 4096"), std::string::npos);
}

}  // namespace
}  // namespace evgen::expr
