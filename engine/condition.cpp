#include "engine/condition.h"

#include <cctype>

namespace auditstream {
namespace {

struct Token {
  enum class Kind : std::uint8_t { kWord, kOpen, kClose, kPipe, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
  std::size_t column = 0;
};

bool isWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '*' || c == '-' || c == '.';
}

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<ConditionNode> parse() {
    RETURN_IF_ERROR(tokenize());
    ASSIGN_OR_RETURN(ConditionNode node, parseOr());
    if (peek().kind == Token::Kind::kPipe) {
      return errorAt(peek(), "aggregation expressions ('|') are not supported; write a Sigma correlation rule");
    }
    if (peek().kind != Token::Kind::kEnd) return errorAt(peek(), "unexpected '" + peek().text + "'");
    return node;
  }

 private:
  Status tokenize() {
    std::size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        ++i;
      } else if (c == '(' || c == ')' || c == '|') {
        tokens_.push_back({c == '('   ? Token::Kind::kOpen
                           : c == ')' ? Token::Kind::kClose
                                      : Token::Kind::kPipe,
                           std::string(1, c), i + 1});
        ++i;
        if (c == '|') break;  // an aggregation follows: parse() reports it; its syntax is not ours
      } else if (isWordChar(c)) {
        const std::size_t start = i;
        while (i < text_.size() && isWordChar(text_[i])) ++i;
        tokens_.push_back({Token::Kind::kWord, std::string(text_.substr(start, i - start)), start + 1});
      } else {
        return parseError("column " + std::to_string(i + 1) + ": unexpected character '" + std::string(1, c) + "'");
      }
    }
    tokens_.push_back({Token::Kind::kEnd, "end of condition", text_.size() + 1});
    return Status::ok();
  }

  const Token& peek() const { return tokens_[position_]; }
  Token next() { return tokens_[position_ < tokens_.size() - 1 ? position_++ : position_]; }
  bool peekKeyword(std::string_view keyword) const {
    return peek().kind == Token::Kind::kWord && lower(peek().text) == keyword;
  }
  static Status errorAt(const Token& token, std::string_view message) {
    return parseError("column " + std::to_string(token.column) + ": " + std::string(message));
  }

  // operand (keyword operand)*: one n-ary node, or the operand alone.
  Result<ConditionNode> parseChain(std::string_view keyword, ConditionNode::Kind kind,
                                   Result<ConditionNode> (Parser::*operand)()) {
    ASSIGN_OR_RETURN(ConditionNode left, (this->*operand)());
    if (!peekKeyword(keyword)) return left;
    ConditionNode node{kind, {std::move(left)}, {}};
    while (peekKeyword(keyword)) {
      next();
      ASSIGN_OR_RETURN(ConditionNode right, (this->*operand)());
      node.children.push_back(std::move(right));
    }
    return node;
  }
  Result<ConditionNode> parseOr() { return parseChain("or", ConditionNode::Kind::kOr, &Parser::parseAnd); }
  Result<ConditionNode> parseAnd() { return parseChain("and", ConditionNode::Kind::kAnd, &Parser::parseNot); }

  Result<ConditionNode> parseNot() {
    if (!peekKeyword("not")) return parsePrimary();
    next();
    ASSIGN_OR_RETURN(ConditionNode operand, parseNot());
    return ConditionNode{ConditionNode::Kind::kNot, {std::move(operand)}, {}};
  }

  Result<ConditionNode> parsePrimary() {
    const Token token = next();
    if (token.kind == Token::Kind::kOpen) {
      ASSIGN_OR_RETURN(ConditionNode inner, parseOr());
      if (peek().kind != Token::Kind::kClose) return errorAt(peek(), "expected ')'");
      next();
      return inner;
    }
    if (token.kind != Token::Kind::kWord) return errorAt(token, "expected a selection name, 'not' or '('");
    const std::string word = lower(token.text);
    if (word == "and" || word == "or" || word == "of" || word == "them") {
      return errorAt(token, "expected a selection name before '" + token.text + "'");
    }
    if (peekKeyword("of")) {
      if (word != "1" && word != "all") {
        return errorAt(token, "'" + token.text + " of' is not Sigma: use '1 of' or 'all of'");
      }
      next();
      const Token target = next();
      if (target.kind != Token::Kind::kWord) return errorAt(target, "expected a selection pattern or 'them'");
      const std::string name = lower(target.text) == "them" ? "them" : target.text;
      return ConditionNode{word == "1" ? ConditionNode::Kind::kOneOf : ConditionNode::Kind::kAllOf, {}, name};
    }
    return ConditionNode{ConditionNode::Kind::kSelection, {}, token.text};
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t position_ = 0;
};

}  // namespace

Result<ConditionNode> parseCondition(std::string_view text) { return Parser(text).parse(); }

bool selectionNameMatches(std::string_view pattern, std::string_view name) {
  if (pattern == "them") return true;
  // Iterative glob match with backtracking on the last '*'.
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace auditstream
