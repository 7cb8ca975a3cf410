// lexer.h: Lex, the first step of evgen's expression language: it cuts an
// expression such as "mass(pt1,eta1,phi1,0.1057, pt2,eta2,phi2,0.1057) > 60"
// into tokens, each with the 1-based character column where it starts, so
// later errors can point at the user's text.
//
// Names are bare ([A-Za-z_][A-Za-z0-9_]*) or backquoted (`px 1`, `m(ll)`),
// which reaches any column name; inside backquotes a doubled backquote ``
// stands for one. Numbers are decimal with an optional exponent (1, 0.1057,
// 2.5e3); a literal that overflows a double is refused rather than read as
// infinity.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace evgen::expr {

enum class TokenKind {
  kNumber,
  kName,        // bare: a column, or a function when '(' follows
  kQuotedName,  // backquoted: always a column
  kOperator,    // + - * / ^ < <= > >= == != && || !
  kLeftParen,
  kRightParen,
  kComma,
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // the name without backquotes, the operator, the number as written
  double number = 0;  // for kNumber
  int column = 1;  // 1-based character position of the token's first character
};

// kMaxExpressionChars bounds an expression's length, so parsing and checking
// a request stays cheap whatever a client sends.
inline constexpr int kMaxExpressionChars = 4096;

// Lex returns the tokens of `text`, ending with a kEnd token.
// InvalidArgument ("column N: ...") for an unknown character, an unclosed
// backquote, a malformed or out-of-range number, '=', '&' or '|' alone, or a
// text longer than kMaxExpressionChars.
[[nodiscard]] absl::StatusOr<std::vector<Token>> Lex(std::string_view text);

// DescribeToken is how messages quote a token: 'name', '+', "the end".
std::string DescribeToken(const Token& token);

}  // namespace evgen::expr
