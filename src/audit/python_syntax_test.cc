#include "audit/python_syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace churnml::audit {
namespace {

std::unique_ptr<PythonParser> NewParser() {
  auto p = PythonParser::Create();
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(*p) : nullptr;
}

TEST(PythonSyntax, RuntimeAcceptsTheVendoredGrammar) { ASSERT_NE(NewParser(), nullptr); }

TEST(PythonSyntax, FlattensCallsWithFieldsAndOperators) {
  auto parser = NewParser();
  ASSERT_NE(parser, nullptr);
  std::string text = "import os as o\no.system('ls ' + name, shell=True)\n";
  SyntaxTree tree;
  ASSERT_TRUE(parser->Parse(text, tree).ok());
  EXPECT_FALSE(tree.has_errors());
  ASSERT_FALSE(tree.nodes().empty());
  EXPECT_EQ(tree.node(0).kind, PyKind::kModule);
  int32_t call = -1;
  for (int32_t i = 0; i < static_cast<int32_t>(tree.nodes().size()); ++i) {
    if (tree.node(i).kind == PyKind::kCall) call = i;
  }
  ASSERT_GE(call, 0);
  int32_t fn = tree.Child(call, PyField::kFunction);
  ASSERT_GE(fn, 0);
  EXPECT_EQ(tree.Text(fn), "o.system");
  int32_t args = tree.Child(call, PyField::kArguments);
  ASSERT_GE(args, 0);
  int32_t binary = tree.ChildOfKind(args, PyKind::kBinaryOperator);
  ASSERT_GE(binary, 0);
  int32_t op = tree.Child(binary, PyField::kOperator);
  ASSERT_GE(op, 0);
  EXPECT_EQ(tree.node(op).op, '+');
  int32_t kw = tree.ChildOfKind(args, PyKind::kKeywordArgument);
  ASSERT_GE(kw, 0);
  EXPECT_EQ(tree.node(tree.Child(kw, PyField::kValue)).kind, PyKind::kTrue);
  EXPECT_EQ(tree.node(fn).parent, call);
}

TEST(PythonSyntax, RecoversFromSyntaxErrors) {
  auto parser = NewParser();
  ASSERT_NE(parser, nullptr);
  SyntaxTree tree;
  ASSERT_TRUE(parser->Parse("def broken(:\n  pass\nx = 1\n", tree).ok());
  EXPECT_TRUE(tree.has_errors());
  EXPECT_FALSE(tree.nodes().empty());
}

// Found by python_tree_fuzz: when the whole file is an ERROR node the root
// is still node 0 and every other node has a parent before it.
TEST(PythonSyntax, ErrorRootStillParentsEveryNode) {
  auto parser = NewParser();
  ASSERT_NE(parser, nullptr);
  SyntaxTree tree;
  ASSERT_TRUE(parser->Parse("x == (((((new(\317x == (((((ne", tree).ok());
  ASSERT_FALSE(tree.nodes().empty());
  EXPECT_EQ(tree.node(0).parent, -1);
  for (int32_t i = 1; i < static_cast<int32_t>(tree.nodes().size()); ++i) {
    EXPECT_GE(tree.node(i).parent, 0) << i;
    EXPECT_LT(tree.node(i).parent, i) << i;
  }
}

TEST(PythonSyntax, DeepNestingIsWalkedWithoutRecursion) {
  auto parser = NewParser();
  ASSERT_NE(parser, nullptr);
  std::string text = "x = " + std::string(50000, '(') + "1" + std::string(50000, ')') + "\n";
  SyntaxTree tree;
  ASSERT_TRUE(parser->Parse(text, tree).ok());
  EXPECT_GT(tree.nodes().size(), 50000u);
}

TEST(PythonSyntax, RejectsTextAboveTheSizeBound) {
  auto parser = NewParser();
  ASSERT_NE(parser, nullptr);
  std::string text(PythonParser::kMaxBytes + 1, '#');
  SyntaxTree tree;
  Status s = parser->Parse(text, tree);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("syntax-tree limit"), std::string::npos) << s.message();
  EXPECT_TRUE(tree.nodes().empty());
}

}  // namespace
}  // namespace churnml::audit
