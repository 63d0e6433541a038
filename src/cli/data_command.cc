// `churnml data generate` and `churnml data validate`: thin adapters over
// data/synthetic_generator.h and data/csv_loader.h.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_errors.h"
#include "cli/command.h"
#include "cli/interrupt_guard.h"
#include "common/json_dump.h"
#include "common/progress.h"
#include "common/strings.h"
#include "common/suggest.h"
#include "data/csv_loader.h"
#include "data/schema.h"
#include "data/synthetic_generator.h"

namespace churnml::cli {
namespace {

struct GenerateFlags {
  int64_t rows = 7043;  // the size of the real Telco file
  uint64_t seed = 42;
  double shift = 0;       // population shift in [0, 1] (GeneratorOptions::shift)
  double difficulty = 0;  // signal difficulty in [0, 1] (GeneratorOptions::difficulty)
  std::string out;
};

struct ValidateFlags {
  std::string file;
  std::string schema;  // YAML schema file; empty = built-in Telco
  int64_t max_errors = 100;
  bool json = false;
};

int RunGenerate(const GenerateFlags& f) {
  if (f.rows < 0) return ReportError(InvalidArgumentError("--rows must be 0 or more"));
  ProgressBar bar("generate", f.rows);
  Status s;
  {
    InterruptGuard guard;  // SIGINT/SIGTERM: remove the temporary, then exit
    s = GenerateCsv(f.out, GeneratorOptions{f.rows, f.seed, f.shift, f.difficulty},
                    [&bar](int64_t done) { bar.Update(done); });
  }
  bar.Finish();
  if (!s.ok()) return ReportError(s);
  if (f.out != "-") {
    Say("wrote " + FormatCount(f.rows) + " rows to " + f.out + " (seed " + std::to_string(f.seed) +
        ")");
  }
  return kExitOk;
}

nlohmann::json ReportJson(const std::string& file, const LoadResult& r) {
  nlohmann::json issues = nlohmann::json::array();
  for (const ValidationIssue& i : r.issues.issues()) {
    issues.push_back({{"row", i.row},
                      {"column", i.column},
                      {"value", i.value},
                      {"rule", i.rule},
                      {"message", i.message}});
  }
  return {{"file", file},
          {"rows", r.rows_read},
          {"valid_rows", r.rows_kept},
          {"invalid_rows", r.rows_dropped},
          {"issue_count", r.issues.count()},
          {"issues", std::move(issues)},
          {"truncated", r.issues.truncated()}};
}

int RunValidate(const ValidateFlags& f) {
  if (f.max_errors < 0) return ReportError(InvalidArgumentError("--max-errors must be 0 or more"));
  Schema schema = Schema::Telco();
  if (!f.schema.empty()) {
    Result<Schema> loaded = Schema::FromYamlFile(f.schema);
    if (!loaded.ok()) return ReportError(loaded.status());
    schema = std::move(loaded).value();
  }
  LoadOptions options;
  options.target = TargetPolicy::kOptional;
  options.invalid_rows = InvalidRowPolicy::kDrop;
  options.storage = RowStorage::kDiscard;
  options.max_issues = f.max_errors;
  // Only the ids are kept: small chunks keep the in-flight memory small too
  // (2 × threads chunks and their parsed rows).
  options.chunk_bytes = size_t{256} << 10;
  Result<LoadResult> result = LoadCsv(f.file, schema, options);
  if (!result.ok()) {
    // A file that cannot be parsed as CSV is a finding about the file; one
    // that cannot be read is an error.
    int code = ReportError(result.status());
    return result.status().code() == StatusCode::kInvalidArgument ? kExitFindings : code;
  }
  const LoadResult& r = *result;
  if (f.json) {
    std::cout << DumpJson(ReportJson(f.file, r), 2) << "\n";
  } else {
    std::string lines;
    for (const ValidationIssue& i : r.issues.issues()) {
      lines += i.message + " [" + i.rule + "]\n";
    }
    std::fwrite(lines.data(), 1, lines.size(), stdout);
    std::string summary = f.file + ": " + FormatCount(r.rows_read) + " rows, " +
                          FormatCount(r.rows_kept) + " valid, " + FormatCount(r.rows_dropped) +
                          " invalid, " + CountNoun(r.issues.count(), "problem", "problems");
    if (r.issues.truncated()) {
      summary += " (first " + FormatCount(static_cast<int64_t>(r.issues.issues().size())) +
                 " shown; raise --max-errors for more)";
    }
    Say(summary);
  }
  std::fflush(stdout);
  return r.issues.count() == 0 ? kExitOk : kExitFindings;
}

}  // namespace

void RegisterDataCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* data = app.add_subcommand("data", "Generate and validate data files");
  data->require_subcommand(1);

  auto gen = std::make_shared<GenerateFlags>();
  CLI::App* generate = data->add_subcommand(
      "generate", "Write a deterministic synthetic Telco churn CSV (same seed, same bytes)");
  generate->add_option("--rows", gen->rows, "number of customers (data rows)")
      ->capture_default_str();
  generate->add_option("--seed", gen->seed, "random seed")->capture_default_str();
  generate
      ->add_option("--shift", gen->shift,
                   "population shift in [0, 1] for drift tests: more fiber-optic "
                   "month-to-month customers, higher charges")
      ->capture_default_str();
  generate
      ->add_option("--difficulty", gen->difficulty,
                   "signal difficulty in [0, 1] for model search: interactions, a "
                   "non-monotone price band and noise on the churn log-odds")
      ->capture_default_str();
  AddFlagAlias(generate, "--output",
               generate->add_option("--out", gen->out, "output CSV file, or - for standard output")
                   ->required());
  generate->footer(
      "Examples:\n"
      "  churnml data generate --rows 20000 --out customers.csv\n"
      "  churnml data generate --rows 100 --seed 7 --out - | head");
  generate->callback([gen, &ctx] { ctx.exit_code = RunGenerate(*gen); });

  auto val = std::make_shared<ValidateFlags>();
  CLI::App* validate = data->add_subcommand(
      "validate",
      "Check a CSV against the schema; exit 0 when clean, 1 when problems were found, 2 on "
      "errors");
  validate->add_option("--data,file", val->file, "CSV file to check, or - for standard input")
      ->required();
  validate->add_option("--schema", val->schema, "YAML schema file")->default_str("built-in Telco");
  validate->add_option("--max-errors", val->max_errors, "problems to list (all are counted)")
      ->capture_default_str();
  validate->add_flag("--json", val->json, "print a JSON report on standard output");
  validate->footer(
      "Examples:\n"
      "  churnml data validate customers.csv\n"
      "  churnml data validate --data customers.csv --schema my_schema.yaml --json");
  validate->callback([val, &ctx] { ctx.exit_code = RunValidate(*val); });
}

}  // namespace churnml::cli
