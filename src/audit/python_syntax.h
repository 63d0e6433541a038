// Python syntax trees for the audit's tree rules. PythonParser parses with
// tree-sitter (Debian's runtime, the vendored tree-sitter-python grammar) and
// flattens the tree into SyntaxTree: a vector of nodes with the kinds and
// field names the rules read, so no other file sees tree-sitter types.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::audit {

// The node kinds the rules look at; every other named node is kOther.
enum class PyKind : uint8_t {
  kOther,
  kModule,
  kBlock,
  kExpressionStatement,
  kAssignment,
  kAugmentedAssignment,
  kCall,
  kArgumentList,
  kKeywordArgument,
  kAttribute,
  kIdentifier,
  kString,
  kStringContent,
  kInterpolation,
  kConcatenatedString,
  kBinaryOperator,
  kInteger,
  kFloat,
  kTrue,
  kFalse,
  kNone,
  kFunctionDefinition,
  kClassDefinition,
  kDecoratedDefinition,
  kDecorator,
  kParameters,
  kDefaultParameter,
  kTypedParameter,
  kTypedDefaultParameter,
  kImportStatement,
  kImportFromStatement,
  kAliasedImport,
  kDottedName,
  kSubscript,
  kForStatement,
  kWithStatement,
  kAsPattern,
  kAsPatternTarget,
  kReturnStatement,
  kLambda,
  kParenthesizedExpression,
  kConditionalExpression,
  kBooleanOperator,
  kComparisonOperator,
  kNotOperator,
  kPair,
  kComment,
  kOperator,  // an anonymous token held in an "operator" field ("+", "%", "+=")
};

// The field a node fills in its parent (tree-sitter-python's field names).
enum class PyField : uint8_t {
  kNone,
  kFunction,
  kArguments,
  kName,
  kValue,
  kLeft,
  kRight,
  kObject,
  kAttribute,
  kBody,
  kOperator,
  kAlias,
  kModuleName,
  kParameters,
  kDefinition,
  kKey,
  kSubscript,
  kExpression,
  kType,
  kOther,
};

struct SyntaxNode {
  PyKind kind = PyKind::kOther;
  PyField field = PyField::kNone;
  uint32_t begin = 0;  // byte offsets into the source text
  uint32_t end = 0;
  int32_t parent = -1;
  int32_t first_child = -1;
  int32_t next_sibling = -1;
  char op = 0;  // kOperator: the token's first character ('+', '%', ...)
};

// A flattened tree in pre-order: node 0 is the module; children follow their
// parent. Only named nodes and operator tokens are kept.
class SyntaxTree {
 public:
  std::string_view text() const { return text_; }
  const std::vector<SyntaxNode>& nodes() const { return nodes_; }
  const SyntaxNode& node(int32_t i) const { return nodes_[static_cast<size_t>(i)]; }
  std::string_view Text(int32_t i) const {
    const SyntaxNode& n = node(i);
    return text_.substr(n.begin, n.end - n.begin);
  }
  // The first child filling `field`, or -1.
  int32_t Child(int32_t i, PyField field) const;
  // The first child of `kind`, or -1.
  int32_t ChildOfKind(int32_t i, PyKind kind) const;
  // Whether the parser had to recover from a syntax error somewhere.
  bool has_errors() const { return has_errors_; }

 private:
  friend class PythonParser;
  std::string_view text_;
  std::vector<SyntaxNode> nodes_;
  bool has_errors_ = false;
};

// One per thread (tree-sitter parsers are not thread-safe).
class PythonParser {
 public:
  // Internal when the runtime rejects the grammar's ABI.
  static Result<std::unique_ptr<PythonParser>> Create();
  ~PythonParser();
  PythonParser(const PythonParser&) = delete;
  PythonParser& operator=(const PythonParser&) = delete;

  // Parses `text` (which must outlive the tree) into `tree`. ResourceExhausted-
  // style bounds: InvalidArgument when the text is larger than kMaxBytes or the
  // tree has more than kMaxNodes nodes; DeadlineExceeded when parsing takes
  // longer than kTimeoutMicros. Syntax errors are not errors: tree-sitter
  // recovers, and the rules read what parsed.
  Status Parse(std::string_view text, SyntaxTree& tree);

  static constexpr size_t kMaxBytes = 16u << 20;
  static constexpr size_t kMaxNodes = 1u << 21;
  static constexpr uint64_t kTimeoutMicros = 20'000'000;

 private:
  struct Impl;
  explicit PythonParser(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace churnml::audit
