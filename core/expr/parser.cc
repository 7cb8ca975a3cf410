#include "core/expr/parser.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/expr/lexer.h"
#include "core/status_macros.h"

namespace evgen::expr {
namespace {

using NodePtr = std::unique_ptr<Node>;

// kListedColumns bounds how many column names an unknown-column message lists.
constexpr size_t kListedColumns = 40;

absl::Status ErrorAt(int column, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("column ", column, ": ", std::string(message)));
}

std::string ColumnList(const std::vector<std::string>& columns) {
  if (columns.size() <= kListedColumns) return absl::StrJoin(columns, ", ");
  std::vector<std::string> head(columns.begin(), columns.begin() + kListedColumns);
  return absl::StrCat(absl::StrJoin(head, ", "), ", ... (", columns.size() - kListedColumns, " more)");
}

const char* TypeName(ValueType type) {
  return type == ValueType::kNumber ? "a number" : "a condition";
}

struct BinaryOperator {
  std::string_view text;
  Op op;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::vector<std::string>& columns)
      : tokens_(std::move(tokens)), columns_(columns) {
    for (size_t i = 0; i < columns.size(); ++i) index_.emplace(columns[i], static_cast<int>(i));
  }

  absl::StatusOr<NodePtr> ParseAll() {
    if (Peek().kind == TokenKind::kEnd) return ErrorAt(1, "the expression is empty");
    EVGEN_ASSIGN_OR_RETURN(NodePtr root, ParseOr());
    if (Peek().kind != TokenKind::kEnd) {
      return ErrorAt(Peek().column, absl::StrCat("unexpected ", DescribeToken(Peek()),
                                                 " after a complete expression; an operator is missing?"));
    }
    return root;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_++]; }
  bool PeekOperator(std::string_view text) const {
    return Peek().kind == TokenKind::kOperator && Peek().text == text;
  }

  // Enter counts one level of recursion; Leave undoes it. Parenthesised and
  // unary chains recurse without building a deeper tree at once, so the
  // recursion is bounded here as well as the tree.
  absl::Status Enter() {
    if (++recursion_ > kMaxDepth) {
      return ErrorAt(Peek().column, absl::StrCat("the expression nests deeper than ", kMaxDepth,
                                                 " levels; split it into several column definitions"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<NodePtr> Make(NodeKind kind, ValueType type, Op op, std::vector<NodePtr> children,
                               int column) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->type = type;
    node->op = op;
    for (const NodePtr& child : children) node->depth = std::max(node->depth, child->depth + 1);
    node->children = std::move(children);
    if (node->depth > kMaxDepth) {
      return ErrorAt(column, absl::StrCat("the expression nests deeper than ", kMaxDepth,
                                          " levels; split it into several column definitions"));
    }
    return node;
  }

  absl::StatusOr<NodePtr> Binary(const Token& token, Op op, NodePtr lhs, NodePtr rhs) {
    const bool logical = op == Op::kAnd || op == Op::kOr;
    const ValueType needed = logical ? ValueType::kCondition : ValueType::kNumber;
    for (const NodePtr* side : {&lhs, &rhs}) {
      if ((*side)->type == needed) continue;
      const char* which = side == &lhs ? "left" : "right";
      if (logical) {
        return ErrorAt(token.column, absl::StrCat("'", token.text, "' joins conditions, but its ", which,
                                                  " side is a number; compare it, e.g. x > 0"));
      }
      return ErrorAt(token.column, absl::StrCat("'", token.text, "' needs numbers, but its ", which,
                                                " side is ", TypeName((*side)->type)));
    }
    const bool compares = op >= Op::kLess && op <= Op::kNotEqual;
    const ValueType result = logical || compares ? ValueType::kCondition : ValueType::kNumber;
    std::vector<NodePtr> children;
    children.push_back(std::move(lhs));
    children.push_back(std::move(rhs));
    return Make(NodeKind::kBinary, result, op, std::move(children), token.column);
  }

  // ParseLeftAssociative parses operand (op operand)* for the operators given.
  template <typename Operand>
  absl::StatusOr<NodePtr> ParseLeftAssociative(std::initializer_list<BinaryOperator> ops, Operand operand) {
    EVGEN_ASSIGN_OR_RETURN(NodePtr lhs, (this->*operand)());
    while (true) {
      const BinaryOperator* found = nullptr;
      for (const BinaryOperator& candidate : ops) {
        if (PeekOperator(candidate.text)) found = &candidate;
      }
      if (found == nullptr) return lhs;
      const Token token = Next();
      EVGEN_ASSIGN_OR_RETURN(NodePtr rhs, (this->*operand)());
      EVGEN_ASSIGN_OR_RETURN(lhs, Binary(token, found->op, std::move(lhs), std::move(rhs)));
    }
  }

  absl::StatusOr<NodePtr> ParseOr() {
    EVGEN_RETURN_IF_ERROR(Enter());
    auto result = ParseLeftAssociative({{"||", Op::kOr}}, &Parser::ParseAnd);
    --recursion_;
    return result;
  }
  absl::StatusOr<NodePtr> ParseAnd() { return ParseLeftAssociative({{"&&", Op::kAnd}}, &Parser::ParseCompare); }
  absl::StatusOr<NodePtr> ParseSum() {
    return ParseLeftAssociative({{"+", Op::kAdd}, {"-", Op::kSubtract}}, &Parser::ParseProduct);
  }
  absl::StatusOr<NodePtr> ParseProduct() {
    return ParseLeftAssociative({{"*", Op::kMultiply}, {"/", Op::kDivide}}, &Parser::ParseUnary);
  }

  absl::StatusOr<NodePtr> ParseCompare() {
    static constexpr BinaryOperator kCompare[] = {{"<", Op::kLess},   {"<=", Op::kLessEqual},
                                                  {">", Op::kGreater}, {">=", Op::kGreaterEqual},
                                                  {"==", Op::kEqual},  {"!=", Op::kNotEqual}};
    const auto find = [&]() -> const BinaryOperator* {
      for (const BinaryOperator& c : kCompare) {
        if (PeekOperator(c.text)) return &c;
      }
      return nullptr;
    };
    EVGEN_ASSIGN_OR_RETURN(NodePtr lhs, ParseSum());
    const BinaryOperator* found = find();
    if (found == nullptr) return lhs;
    const Token token = Next();
    EVGEN_ASSIGN_OR_RETURN(NodePtr rhs, ParseSum());
    if (find() != nullptr) {
      return ErrorAt(Peek().column, "comparisons do not chain; write a < b && b < c");
    }
    return Binary(token, found->op, std::move(lhs), std::move(rhs));
  }

  absl::StatusOr<NodePtr> ParseUnary() {
    if (!PeekOperator("-") && !PeekOperator("+") && !PeekOperator("!")) return ParsePower();
    const Token token = Next();
    EVGEN_RETURN_IF_ERROR(Enter());
    absl::StatusOr<NodePtr> operand = ParseUnary();
    --recursion_;
    if (!operand.ok()) return operand.status();
    if (token.text == "+") {
      if ((*operand)->type != ValueType::kNumber) {
        return ErrorAt(token.column, "unary '+' needs a number, but got a condition");
      }
      return operand;
    }
    const bool negate = token.text == "-";
    const ValueType needed = negate ? ValueType::kNumber : ValueType::kCondition;
    if ((*operand)->type != needed) {
      return ErrorAt(token.column, negate ? "unary '-' needs a number, but got a condition"
                                          : "'!' negates a condition, but got a number; compare it, e.g. !(x > 0)");
    }
    std::vector<NodePtr> children;
    children.push_back(*std::move(operand));
    return Make(NodeKind::kUnary, needed, negate ? Op::kNegate : Op::kNot, std::move(children), token.column);
  }

  absl::StatusOr<NodePtr> ParsePower() {
    EVGEN_ASSIGN_OR_RETURN(NodePtr base, ParsePrimary());
    if (!PeekOperator("^")) return base;
    const Token token = Next();
    EVGEN_RETURN_IF_ERROR(Enter());
    absl::StatusOr<NodePtr> exponent = ParseUnary();
    --recursion_;
    if (!exponent.ok()) return exponent.status();
    return Binary(token, Op::kPower, std::move(base), *std::move(exponent));
  }

  absl::StatusOr<NodePtr> ParsePrimary() {
    const Token token = Next();
    switch (token.kind) {
      case TokenKind::kNumber: {
        EVGEN_ASSIGN_OR_RETURN(NodePtr node, Make(NodeKind::kNumber, ValueType::kNumber, Op::kNone, {}, token.column));
        node->number = token.number;
        return node;
      }
      case TokenKind::kName:
        if (Peek().kind == TokenKind::kLeftParen) return ParseCall(token);
        return ColumnNode(token);
      case TokenKind::kQuotedName:
        return ColumnNode(token);
      case TokenKind::kLeftParen: {
        EVGEN_ASSIGN_OR_RETURN(NodePtr inner, ParseOr());
        if (Peek().kind != TokenKind::kRightParen) {
          return ErrorAt(Peek().column, absl::StrCat("expected ')' to close the '(' at column ", token.column,
                                                     ", found ", DescribeToken(Peek())));
        }
        Next();
        return inner;
      }
      default:
        return ErrorAt(token.column, absl::StrCat("expected a number, a column or '(', found ",
                                                  DescribeToken(token)));
    }
  }

  absl::StatusOr<NodePtr> ColumnNode(const Token& token) {
    const auto it = index_.find(token.text);
    if (it == index_.end()) {
      return ErrorAt(token.column, absl::StrCat("unknown column '", token.text, "'; columns: ",
                                                ColumnList(columns_)));
    }
    EVGEN_ASSIGN_OR_RETURN(NodePtr node, Make(NodeKind::kColumn, ValueType::kNumber, Op::kNone, {}, token.column));
    node->column = it->second;
    return node;
  }

  absl::StatusOr<NodePtr> ParseCall(const Token& name) {
    const Function* function = FindFunction(name.text);
    if (function == nullptr) {
      return ErrorAt(name.column, absl::StrCat("unknown function '", name.text, "'; functions: ",
                                               absl::StrJoin(FunctionNames(), ", ")));
    }
    Next();  // '('
    std::vector<NodePtr> args;
    if (Peek().kind != TokenKind::kRightParen) {
      while (true) {
        if (static_cast<int>(args.size()) == kMaxArguments) {
          return ErrorAt(Peek().column, absl::StrCat(name.text, ": more than ", kMaxArguments, " arguments"));
        }
        const int column = Peek().column;
        EVGEN_ASSIGN_OR_RETURN(NodePtr arg, ParseOr());
        if (arg->type != ValueType::kNumber) {
          return ErrorAt(column, absl::StrCat("argument ", args.size() + 1, " of ", name.text,
                                              " is a condition; functions take numbers"));
        }
        args.push_back(std::move(arg));
        if (Peek().kind != TokenKind::kComma) break;
        Next();
      }
    }
    if (Peek().kind != TokenKind::kRightParen) {
      return ErrorAt(Peek().column, absl::StrCat("expected ',' or ')' in the call of ", name.text,
                                                 " at column ", name.column, ", found ", DescribeToken(Peek())));
    }
    Next();
    const std::string arity = ArityError(*function, static_cast<int>(args.size()));
    if (!arity.empty()) return ErrorAt(name.column, arity);
    EVGEN_ASSIGN_OR_RETURN(NodePtr node,
                           Make(NodeKind::kCall, ValueType::kNumber, Op::kNone, std::move(args), name.column));
    node->function = function;
    return node;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int recursion_ = 0;
  const std::vector<std::string>& columns_;
  std::map<std::string, int, std::less<>> index_;
};

}  // namespace

absl::StatusOr<Expression> Compile(std::string_view text, const std::vector<std::string>& columns) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text));
  Parser parser(std::move(tokens), columns);
  EVGEN_ASSIGN_OR_RETURN(NodePtr root, parser.ParseAll());
  return Expression{std::move(root)};
}

}  // namespace evgen::expr
