// The only file that includes tree-sitter (C API: errors are return values).
#include "audit/python_syntax.h"

#include <tree_sitter/api.h>

#include <cstring>
#include <string>

extern "C" const TSLanguage* tree_sitter_python(void);

namespace churnml::audit {
namespace {

struct KindName {
  const char* name;
  PyKind kind;
};

constexpr KindName kKinds[] = {
    {"module", PyKind::kModule},
    {"block", PyKind::kBlock},
    {"expression_statement", PyKind::kExpressionStatement},
    {"assignment", PyKind::kAssignment},
    {"augmented_assignment", PyKind::kAugmentedAssignment},
    {"call", PyKind::kCall},
    {"argument_list", PyKind::kArgumentList},
    {"keyword_argument", PyKind::kKeywordArgument},
    {"attribute", PyKind::kAttribute},
    {"identifier", PyKind::kIdentifier},
    {"string", PyKind::kString},
    {"string_content", PyKind::kStringContent},
    {"interpolation", PyKind::kInterpolation},
    {"concatenated_string", PyKind::kConcatenatedString},
    {"binary_operator", PyKind::kBinaryOperator},
    {"integer", PyKind::kInteger},
    {"float", PyKind::kFloat},
    {"true", PyKind::kTrue},
    {"false", PyKind::kFalse},
    {"none", PyKind::kNone},
    {"function_definition", PyKind::kFunctionDefinition},
    {"class_definition", PyKind::kClassDefinition},
    {"decorated_definition", PyKind::kDecoratedDefinition},
    {"decorator", PyKind::kDecorator},
    {"parameters", PyKind::kParameters},
    {"default_parameter", PyKind::kDefaultParameter},
    {"typed_parameter", PyKind::kTypedParameter},
    {"typed_default_parameter", PyKind::kTypedDefaultParameter},
    {"import_statement", PyKind::kImportStatement},
    {"import_from_statement", PyKind::kImportFromStatement},
    {"aliased_import", PyKind::kAliasedImport},
    {"dotted_name", PyKind::kDottedName},
    {"subscript", PyKind::kSubscript},
    {"for_statement", PyKind::kForStatement},
    {"with_statement", PyKind::kWithStatement},
    {"as_pattern", PyKind::kAsPattern},
    {"as_pattern_target", PyKind::kAsPatternTarget},
    {"return_statement", PyKind::kReturnStatement},
    {"lambda", PyKind::kLambda},
    {"parenthesized_expression", PyKind::kParenthesizedExpression},
    {"conditional_expression", PyKind::kConditionalExpression},
    {"boolean_operator", PyKind::kBooleanOperator},
    {"comparison_operator", PyKind::kComparisonOperator},
    {"not_operator", PyKind::kNotOperator},
    {"pair", PyKind::kPair},
    {"comment", PyKind::kComment},
};

struct FieldName {
  const char* name;
  PyField field;
};

constexpr FieldName kFields[] = {
    {"function", PyField::kFunction},
    {"arguments", PyField::kArguments},
    {"name", PyField::kName},
    {"value", PyField::kValue},
    {"left", PyField::kLeft},
    {"right", PyField::kRight},
    {"object", PyField::kObject},
    {"attribute", PyField::kAttribute},
    {"body", PyField::kBody},
    {"operator", PyField::kOperator},
    {"alias", PyField::kAlias},
    {"module_name", PyField::kModuleName},
    {"parameters", PyField::kParameters},
    {"definition", PyField::kDefinition},
    {"key", PyField::kKey},
    {"subscript", PyField::kSubscript},
    {"expression", PyField::kExpression},
    {"type", PyField::kType},
};

// Symbol and field id → our enums, built once per parser from the grammar's
// own name tables (so a grammar update that renumbers symbols still works).
struct Tables {
  std::vector<PyKind> kinds;
  std::vector<bool> named;
  std::vector<PyField> fields;
};

Tables BuildTables(const TSLanguage* language) {
  Tables t;
  uint32_t symbols = ts_language_symbol_count(language);
  t.kinds.assign(symbols, PyKind::kOther);
  t.named.assign(symbols, false);
  for (uint32_t s = 0; s < symbols; ++s) {
    auto sym = static_cast<TSSymbol>(s);
    t.named[s] = ts_language_symbol_type(language, sym) == TSSymbolTypeRegular;
    const char* name = ts_language_symbol_name(language, sym);
    if (name == nullptr) continue;
    for (const KindName& k : kKinds) {
      if (std::strcmp(k.name, name) == 0 && t.named[s]) t.kinds[s] = k.kind;
    }
  }
  uint32_t fields = ts_language_field_count(language);
  t.fields.assign(fields + 1, PyField::kOther);
  t.fields[0] = PyField::kNone;
  for (uint32_t f = 1; f <= fields; ++f) {
    const char* name = ts_language_field_name_for_id(language, static_cast<TSFieldId>(f));
    if (name == nullptr) continue;
    for (const FieldName& k : kFields) {
      if (std::strcmp(k.name, name) == 0) t.fields[f] = k.field;
    }
  }
  return t;
}

}  // namespace

int32_t SyntaxTree::Child(int32_t i, PyField field) const {
  for (int32_t c = node(i).first_child; c >= 0; c = node(c).next_sibling) {
    if (node(c).field == field) return c;
  }
  return -1;
}

int32_t SyntaxTree::ChildOfKind(int32_t i, PyKind kind) const {
  for (int32_t c = node(i).first_child; c >= 0; c = node(c).next_sibling) {
    if (node(c).kind == kind) return c;
  }
  return -1;
}

struct PythonParser::Impl {
  TSParser* parser = nullptr;
  Tables tables;
  ~Impl() {
    if (parser) ts_parser_delete(parser);
  }
};

PythonParser::PythonParser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PythonParser::~PythonParser() = default;

Result<std::unique_ptr<PythonParser>> PythonParser::Create() {
  auto impl = std::make_unique<Impl>();
  const TSLanguage* language = tree_sitter_python();
  impl->parser = ts_parser_new();
  if (impl->parser == nullptr) return InternalError("audit: cannot create a tree-sitter parser");
  if (!ts_parser_set_language(impl->parser, language)) {
    return InternalError(
        "audit: the tree-sitter runtime (ABI " + std::to_string(TREE_SITTER_LANGUAGE_VERSION) +
        ") rejects the Python grammar (ABI " + std::to_string(ts_language_version(language)) + ")");
  }
  ts_parser_set_timeout_micros(impl->parser, kTimeoutMicros);
  impl->tables = BuildTables(language);
  return std::unique_ptr<PythonParser>(new PythonParser(std::move(impl)));
}

Status PythonParser::Parse(std::string_view text, SyntaxTree& tree) {
  tree.text_ = text;
  tree.nodes_.clear();
  tree.has_errors_ = false;
  if (text.size() > kMaxBytes) {
    return InvalidArgumentError("Python file of " + std::to_string(text.size()) +
                                " bytes is above the syntax-tree limit of " +
                                std::to_string(kMaxBytes));
  }
  ts_parser_reset(impl_->parser);
  TSTree* ts_tree = ts_parser_parse_string(impl_->parser, nullptr, text.data(),
                                           static_cast<uint32_t>(text.size()));
  if (ts_tree == nullptr) {
    return DeadlineExceededError("Python parse took longer than " +
                                 std::to_string(kTimeoutMicros / 1000000) + " s");
  }
  TSNode root = ts_tree_root_node(ts_tree);
  tree.has_errors_ = ts_node_has_error(root);
  const Tables& t = impl_->tables;
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  // Iterative pre-order walk; `stack` holds the kept ancestors' indices and
  // the last kept child of each, so deep trees cannot overflow the C stack.
  struct Frame {
    int32_t node;
    int32_t last_child;
    bool kept;
  };
  std::vector<Frame> stack;
  Status status;
  bool descend = true;
  while (true) {
    if (descend) {
      TSNode n = ts_tree_cursor_current_node(&cursor);
      TSSymbol sym = ts_node_symbol(n);
      TSFieldId field_id = ts_tree_cursor_current_field_id(&cursor);
      PyField field = field_id < t.fields.size() ? t.fields[field_id] : PyField::kOther;
      // ERROR nodes (symbol 65535) are named but outside the symbol table;
      // the root is always kept so every node has a parent.
      bool named = ts_node_is_named(n);
      bool keep = named || field == PyField::kOperator || stack.empty();
      int32_t index = -1;
      if (keep) {
        if (tree.nodes_.size() >= kMaxNodes) {
          status = InvalidArgumentError("Python file has more than " + std::to_string(kMaxNodes) +
                                        " syntax nodes");
          break;
        }
        SyntaxNode sn;
        sn.kind =
            !named ? PyKind::kOperator : (sym < t.kinds.size() ? t.kinds[sym] : PyKind::kOther);
        sn.field = field;
        sn.begin = ts_node_start_byte(n);
        sn.end = ts_node_end_byte(n);
        if (sn.kind == PyKind::kOperator && sn.end > sn.begin) sn.op = text[sn.begin];
        // The nearest kept ancestor is the parent.
        for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
          if (!it->kept) continue;
          sn.parent = it->node;
          SyntaxNode& p = tree.nodes_[static_cast<size_t>(it->node)];
          if (it->last_child < 0) {
            p.first_child = static_cast<int32_t>(tree.nodes_.size());
          } else {
            tree.nodes_[static_cast<size_t>(it->last_child)].next_sibling =
                static_cast<int32_t>(tree.nodes_.size());
          }
          it->last_child = static_cast<int32_t>(tree.nodes_.size());
          break;
        }
        index = static_cast<int32_t>(tree.nodes_.size());
        tree.nodes_.push_back(sn);
      }
      stack.push_back({index, -1, keep});
      if (ts_tree_cursor_goto_first_child(&cursor)) continue;
    }
    // Leave the current node: pop it, then go to its sibling or climb.
    stack.pop_back();
    if (ts_tree_cursor_goto_next_sibling(&cursor)) {
      descend = true;
      continue;
    }
    if (!ts_tree_cursor_goto_parent(&cursor)) break;
    descend = false;
  }
  ts_tree_cursor_delete(&cursor);
  ts_tree_delete(ts_tree);
  if (!status.ok()) tree.nodes_.clear();
  return status;
}

}  // namespace churnml::audit
