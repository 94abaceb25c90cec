#include "engine/condition.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

// A compact rendering of the tree: and(a,or(b,c)), not(x), 1of(sel*).
std::string render(const ConditionNode& node) {
  switch (node.kind) {
    case ConditionNode::Kind::kSelection: return node.name;
    case ConditionNode::Kind::kOneOf: return "1of(" + node.name + ")";
    case ConditionNode::Kind::kAllOf: return "allof(" + node.name + ")";
    case ConditionNode::Kind::kNot: return "not(" + render(node.children[0]) + ")";
    case ConditionNode::Kind::kAnd:
    case ConditionNode::Kind::kOr: {
      std::string out = node.kind == ConditionNode::Kind::kAnd ? "and(" : "or(";
      for (std::size_t i = 0; i < node.children.size(); ++i) out += (i > 0 ? "," : "") + render(node.children[i]);
      return out + ")";
    }
  }
  return "?";
}

std::string parsed(std::string_view text) {
  const auto result = parseCondition(text);
  return result ? render(*result) : "error: " + result.status().message();
}

TEST(Condition, PrecedenceIsNotThenAndThenOr) {
  EXPECT_EQ(parsed("a or b and not c"), "or(a,and(b,not(c)))");
  EXPECT_EQ(parsed("not a and b"), "and(not(a),b)");
  EXPECT_EQ(parsed("a and b and c or d"), "or(and(a,b,c),d)");
}

TEST(Condition, ParenthesesAndOfExpressions) {
  EXPECT_EQ(parsed("(a or b) and not (c or d)"), "and(or(a,b),not(or(c,d)))");
  EXPECT_EQ(parsed("1 of selection_* and not all of filter_*"), "and(1of(selection_*),not(allof(filter_*)))");
  EXPECT_EQ(parsed("all of them"), "allof(them)");
  EXPECT_EQ(parsed("1 of them"), "1of(them)");
  EXPECT_EQ(parsed("NOT a AND b"), "and(not(a),b)");
}

TEST(Condition, ErrorsNameTheColumn) {
  EXPECT_EQ(parsed("a and"), "error: column 6: expected a selection name, 'not' or '('");
  EXPECT_EQ(parsed("(a or b"), "error: column 8: expected ')'");
  EXPECT_EQ(parsed("selection | count() > 5"),
            "error: column 11: aggregation expressions ('|') are not supported; write a Sigma correlation rule");
  EXPECT_EQ(parsed("2 of sel*"), "error: column 1: '2 of' is not Sigma: use '1 of' or 'all of'");
  EXPECT_EQ(parsed("a b"), "error: column 3: unexpected 'b'");
  EXPECT_EQ(parsed("a & b"), "error: column 3: unexpected character '&'");
}

TEST(Condition, SelectionNamePatterns) {
  EXPECT_TRUE(selectionNameMatches("sel*", "selection"));
  EXPECT_TRUE(selectionNameMatches("*_a*", "x_abc"));
  EXPECT_FALSE(selectionNameMatches("sel*", "filter"));
  EXPECT_TRUE(selectionNameMatches("exact", "exact"));
  EXPECT_FALSE(selectionNameMatches("exact", "exactly"));
}

}  // namespace
}  // namespace auditstream
