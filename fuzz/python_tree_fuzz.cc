// libFuzzer target: every input is parsed as Python by the audit's
// tree-sitter adapter and walked by every tree rule (imports, taint, sinks).
// Invariants: parsing never fails on hostile text below the size bound (syntax
// errors are recovered, not reported), the flattened tree is well formed
// (parents before children, spans inside the text and inside the parent's),
// and every finding and flow step points into the text. Crashes, sanitizer
// reports, hangs and memory beyond the fuzzer's limit are failures.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "audit/python_analysis.h"
#include "audit/python_syntax.h"
#include "audit/rule_registry.h"

namespace {

using namespace churnml::audit;

struct Fixture {
  RuleRegistry registry;
  TreeRuleSet rules;
  std::unique_ptr<PythonParser> parser;
  Fixture() {
    if (!RegisterBuiltinRules(registry).ok()) std::abort();
    std::vector<const Rule*> all;
    for (const Rule& r : registry.rules()) all.push_back(&r);
    rules = MakeTreeRuleSet(all);
    auto p = PythonParser::Create();
    if (!p.ok()) std::abort();
    parser = std::move(*p);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fx = new Fixture();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  SyntaxTree tree;
  if (!fx->parser->Parse(text, tree).ok()) std::abort();
  const auto& nodes = tree.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const SyntaxNode& n = nodes[i];
    if (n.begin > n.end || n.end > text.size()) std::abort();
    if (i > 0 && (n.parent < 0 || static_cast<size_t>(n.parent) >= i)) std::abort();
    if (n.parent >= 0) {
      const SyntaxNode& p = nodes[static_cast<size_t>(n.parent)];
      if (n.begin < p.begin || n.end > p.end) std::abort();
    }
  }
  std::vector<TreeMatch> matches;
  AnalyzePython(tree, fx->rules, matches);
  for (const TreeMatch& m : matches) {
    if (m.rule == nullptr || m.begin > text.size() || m.end > text.size()) std::abort();
    for (const TreeMatch::Step& s : m.flow) {
      if (s.offset > text.size()) std::abort();
    }
  }
  return 0;
}
