#include "core/expr/lexer.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace evgen::expr {
namespace {

absl::Status ErrorAt(size_t offset, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("column ", offset + 1, ": ", std::string(message)));
}

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Printable shows a character as messages quote it; bytes outside printable
// ASCII (control characters, UTF-8) as \xNN.
std::string Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string(1, c);
  return absl::StrFormat("\\x%02x", u);
}

// LexNumber reads digits[.digits][e[+-]digits] (or .digits...) at `i`.
absl::StatusOr<Token> LexNumber(std::string_view text, size_t& i) {
  const size_t start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    if (j >= text.size() || !IsDigit(text[j])) {
      return ErrorAt(start, absl::StrCat("malformed number '", std::string(text.substr(start, j - start)),
                                         "': the exponent needs digits, e.g. 2.5e3"));
    }
    i = j;
    while (i < text.size() && IsDigit(text[i])) ++i;
  }
  if (i < text.size() && (IsNameChar(text[i]) || text[i] == '.')) {
    return ErrorAt(start, absl::StrCat("malformed number '", std::string(text.substr(start, i + 1 - start)),
                                       "'; a column whose name starts with a digit is written in "
                                       "backquotes, e.g. `1jet_pt`"));
  }
  Token token{TokenKind::kNumber, std::string(text.substr(start, i - start)), 0, static_cast<int>(start) + 1};
  errno = 0;
  token.number = std::strtod(token.text.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(token.number)) {
    return ErrorAt(start, absl::StrCat("number '", token.text, "' is too large for a double"));
  }
  return token;
}

// LexQuotedName reads `...` at `i` (which points at the opening backquote).
absl::StatusOr<Token> LexQuotedName(std::string_view text, size_t& i) {
  const size_t start = i++;
  std::string name;
  while (true) {
    if (i >= text.size()) {
      return ErrorAt(start, "a backquoted name is not closed; end it with `");
    }
    if (text[i] == '`') {
      if (i + 1 < text.size() && text[i + 1] == '`') {
        name += '`';
        i += 2;
        continue;
      }
      ++i;
      break;
    }
    name += text[i++];
  }
  if (name.empty()) return ErrorAt(start, "an empty backquoted name ``");
  return Token{TokenKind::kQuotedName, name, 0, static_cast<int>(start) + 1};
}

// LexOperator reads one operator or punctuation token at `i`.
absl::StatusOr<Token> LexOperator(std::string_view text, size_t& i) {
  const size_t start = i;
  const char c = text[i];
  const char next = i + 1 < text.size() ? text[i + 1] : '\0';
  Token token{TokenKind::kOperator, "", 0, static_cast<int>(start) + 1};
  const auto take = [&](TokenKind kind, int length) {
    token.kind = kind;
    token.text = std::string(text.substr(start, length));
    i += length;
    return token;
  };
  switch (c) {
    case '(': return take(TokenKind::kLeftParen, 1);
    case ')': return take(TokenKind::kRightParen, 1);
    case ',': return take(TokenKind::kComma, 1);
    case '+': case '-': case '*': case '/': case '^': return take(TokenKind::kOperator, 1);
    case '<': case '>': case '!': return take(TokenKind::kOperator, next == '=' ? 2 : 1);
    case '=':
      if (next == '=') return take(TokenKind::kOperator, 2);
      return ErrorAt(start, "'=' is not an operator here; compare with '=='");
    case '&':
      if (next == '&') return take(TokenKind::kOperator, 2);
      return ErrorAt(start, "'&' is not an operator; 'and' is written '&&'");
    case '|':
      if (next == '|') return take(TokenKind::kOperator, 2);
      return ErrorAt(start, "'|' is not an operator; 'or' is written '||'");
    default:
      return ErrorAt(start, absl::StrCat("unexpected character '", Printable(c),
                                         "'; names with such characters are written in backquotes, "
                                         "e.g. `m(ll)`"));
  }
}

}  // namespace

absl::StatusOr<std::vector<Token>> Lex(std::string_view text) {
  if (text.size() > static_cast<size_t>(kMaxExpressionChars)) {
    return absl::InvalidArgumentError(absl::StrCat("the expression has ", text.size(),
                                                   " characters; at most ", kMaxExpressionChars));
  }
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (IsDigit(c) || (c == '.' && i + 1 < text.size() && IsDigit(text[i + 1]))) {
      absl::StatusOr<Token> token = LexNumber(text, i);
      if (!token.ok()) return token.status();
      tokens.push_back(*std::move(token));
    } else if (IsNameStart(c)) {
      const size_t start = i;
      while (i < text.size() && IsNameChar(text[i])) ++i;
      tokens.push_back({TokenKind::kName, std::string(text.substr(start, i - start)), 0,
                        static_cast<int>(start) + 1});
    } else if (c == '`') {
      absl::StatusOr<Token> token = LexQuotedName(text, i);
      if (!token.ok()) return token.status();
      tokens.push_back(*std::move(token));
    } else {
      absl::StatusOr<Token> token = LexOperator(text, i);
      if (!token.ok()) return token.status();
      tokens.push_back(*std::move(token));
    }
  }
  tokens.push_back({TokenKind::kEnd, "", 0, static_cast<int>(text.size()) + 1});
  return tokens;
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd: return "the end of the expression";
    case TokenKind::kQuotedName: return absl::StrCat("`", token.text, "`");
    default: return absl::StrCat("'", token.text, "'");
  }
}

}  // namespace evgen::expr
