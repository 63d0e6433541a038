// churnml audit throughput: the one-pass keyword prefilter plus RE2 confirm on
// in-memory code (no I/O), and a full RunAudit over a generated tree of Python
// files (walk + read + match + report), single- and multi-threaded.
// Reference comparison with Bandit is scripted in docs/audit.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "audit/rule_matcher.h"
#include "audit/rule_registry.h"
#include "audit/scanner.h"

namespace churnml::audit {
namespace {

namespace fs = std::filesystem;

// A few hundred lines of ordinary Python, with one finding per ~40 lines, so
// the confirm step runs as it would on real code.
std::string PythonModule(int seed) {
  std::string s = "\"\"\"Module " + std::to_string(seed) + ": feature engineering helpers.\"\"\"\n";
  s += "import os\nimport json\nimport logging\nimport subprocess\n\nimport numpy as np\n\n";
  s += "logger = logging.getLogger(__name__)\n\n";
  for (int i = 0; i < 20; ++i) {
    std::string n = std::to_string(i);
    s += "def transform_" + n + "(frame, columns, scale=1.0):\n";
    s += "    \"\"\"Scales the numeric columns and one-hot encodes the rest.\"\"\"\n";
    s += "    out = frame.copy()\n";
    s += "    for column in columns:\n";
    s += "        if out[column].dtype.kind in 'if':\n";
    s +=
        "            out[column] = (out[column] - out[column].mean()) / (out[column].std() or 1)\n";
    s += "        else:\n";
    s += "            out = out.join(pd.get_dummies(out[column], prefix=column))\n";
    s += "    logger.info('transformed %d rows', len(out))\n";
    s += "    with open(os.path.join(CACHE_DIR, 'stats_" + n + ".json'), 'w') as fh:\n";
    s += "        json.dump({'rows': len(out), 'scale': scale}, fh)\n";
    if (i % 4 == 0) s += "    subprocess.run(f'gzip {fh.name}', shell=True)\n";
    s += "    return out * scale\n\n";
  }
  return s;
}

std::vector<const Rule*> AllRules(const RuleRegistry& registry) {
  std::vector<const Rule*> rules;
  for (const Rule& r : registry.rules()) rules.push_back(&r);
  return rules;
}

void BM_MatchInMemory(benchmark::State& state) {
  RuleRegistry registry;
  if (!RegisterBuiltinRules(registry).ok()) state.SkipWithError("rules");
  auto matcher = RuleMatcher::Compile(AllRules(registry));
  if (!matcher.ok()) state.SkipWithError("compile");
  auto scratch = (*matcher)->NewScratch();
  std::string text;
  for (int i = 0; text.size() < (4u << 20); ++i) text += PythonModule(i);
  for (auto _ : state) {
    std::vector<RawMatch> matches;
    MarkerHits markers;
    benchmark::DoNotOptimize(
        (*matcher)->Scan(text, Language::kPython, **scratch, matches, markers));
    benchmark::DoNotOptimize(matches.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_MatchInMemory)->Unit(benchmark::kMillisecond);

// A generated tree of 5,000 Python files (about 10 KB each), written once.
const fs::path& PythonTree() {
  static const fs::path root = [] {
    fs::path p = fs::temp_directory_path() / ("churnml-audit-bench-" + std::to_string(getpid()));
    fs::remove_all(p);
    for (int i = 0; i < 5000; ++i) {
      fs::path dir = p / ("pkg" + std::to_string(i / 100));
      fs::create_directories(dir);
      std::ofstream(dir / ("mod" + std::to_string(i) + ".py")) << PythonModule(i);
    }
    return p;
  }();
  return root;
}

void BM_AuditPythonTree(benchmark::State& state) {
  RuleRegistry registry;
  if (!RegisterBuiltinRules(registry).ok()) state.SkipWithError("rules");
  AuditOptions options;
  options.walk.roots = {PythonTree()};
  options.walk.base = PythonTree();
  options.rules = AllRules(registry);
  options.registry = &registry;
  options.jobs = static_cast<int>(state.range(0));
  int64_t files = 0, bytes = 0;
  for (auto _ : state) {
    Result<AuditReport> report = RunAudit(options);
    if (!report.ok()) {
      state.SkipWithError(report.status().message().c_str());
      break;
    }
    files += report->stats.files_scanned;
    bytes += report->stats.bytes_scanned;
  }
  state.SetItemsProcessed(files);
  state.SetBytesProcessed(bytes);
  state.counters["files/s"] =
      benchmark::Counter(static_cast<double>(files), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AuditPythonTree)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace churnml::audit

BENCHMARK_MAIN();
