#include "cli/job_kinds.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli/model_ref.h"
#include "common/atomic_file.h"
#include "common/json_dump.h"
#include "eval/metrics_json.h"
#include "pipeline/batch_predict.h"
#include "pipeline/evaluate.h"

namespace churnml::cli {
namespace {

namespace fs = std::filesystem;
using orchestration::JobContext;
using orchestration::JobKind;

// `churnml COMMAND ARGS…` parsed with the command's own flag definitions,
// its callback disabled: nothing runs. Values are read by flag name.
class ParsedFlags {
  struct ParsedOnly {};

 public:
  static Result<std::unique_ptr<ParsedFlags>> Parse(
      void (*register_command)(CLI::App&, CommandContext&), const std::string& command,
      const std::vector<std::string>& args, const GlobalOptions& globals) {
    auto parsed = std::unique_ptr<ParsedFlags>(new ParsedFlags());
    parsed->ctx_.globals = globals;
    CHURNML_RETURN_IF_ERROR(RegisterBuiltinModels(parsed->ctx_.models));
    parsed->app_.name("churnml");
    register_command(parsed->app_, parsed->ctx_);
    parsed->cmd_ = parsed->app_.get_subcommand(command);
    // Runs once the flags are parsed and checked, before the command's
    // callback: stop there. (That callback must stay set: it owns the
    // variables the flags write to.)
    parsed->app_.parse_complete_callback([] { throw ParsedOnly(); });
    std::vector<std::string> argv(args.rbegin(), args.rend());
    argv.push_back(command);
    try {
      parsed->app_.parse(argv);
    } catch (const ParsedOnly&) {
      return parsed;
    } catch (const CLI::ParseError& e) {
      std::string message = e.what();
      return InvalidArgumentError(message.empty() ? "cannot parse " + command + " flags" : message);
    }
    return InternalError("parsing the " + command + " flags did not complete");
  }

  bool Has(const std::string& flag) const { return cmd_->get_option(flag)->count() > 0; }
  std::string Text(const std::string& flag) const {
    return Has(flag) ? cmd_->get_option(flag)->as<std::string>() : "";
  }
  template <typename T>
  std::optional<T> Value(const std::string& flag) const {
    if (!Has(flag)) return std::nullopt;
    return cmd_->get_option(flag)->as<T>();
  }
  const CommandContext& context() const { return ctx_; }

 private:
  ParsedFlags() = default;
  CLI::App app_;
  CommandContext ctx_;
  CLI::App* cmd_ = nullptr;
};

// Rewrites the values of path flags (`--flag VALUE` or `--flag=VALUE`) to
// absolute paths: the worker runs in another folder, maybe on another
// machine with the same shared mount.
std::vector<std::string> AbsolutePaths(const std::vector<std::string>& args,
                                       const std::set<std::string>& path_flags) {
  std::vector<std::string> out = args;
  auto absolute = [](const std::string& v) {
    if (v.empty() || v == "-" || fs::path(v).is_absolute()) return v;
    return fs::absolute(v).lexically_normal().string();
  };
  for (size_t i = 0; i < out.size(); ++i) {
    size_t eq = out[i].find('=');
    if (eq != std::string::npos && path_flags.count(out[i].substr(0, eq)) != 0) {
      out[i] = out[i].substr(0, eq + 1) + absolute(out[i].substr(eq + 1));
    } else if (path_flags.count(out[i]) != 0 && i + 1 < out.size()) {
      out[i + 1] = absolute(out[i + 1]);
      ++i;
    }
  }
  return out;
}

// A model reference that names an existing directory becomes absolute too;
// NAME@ALIAS and NAME/VERSION stay as they are (resolved when the job runs).
std::vector<std::string> AbsoluteModelDir(std::vector<std::string> args) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    std::error_code ec;
    if (args[i] == "--model" && fs::is_directory(args[i + 1], ec)) {
      args[i + 1] = fs::absolute(args[i + 1]).lexically_normal().string();
    }
  }
  return args;
}

Status RefuseStandardStreams(const ParsedFlags& f, const std::vector<std::string>& flags) {
  for (const std::string& flag : flags) {
    if (f.Text(flag) == "-") {
      return InvalidArgumentError(flag +
                                  " -: a job cannot read or write the terminal; give a file");
    }
  }
  return Status::Ok();
}

// noop: waits --ms milliseconds (checking the lease), optionally writes a
// marker output naming the job, epoch and worker, optionally fails every
// attempt. A diagnostic kind: queue throughput benchmarks, and checking a
// deployment's retry and fencing paths end to end.
struct NoopFlags {
  int64_t ms = 0;
  std::string out;
  std::string fail;
};

Result<NoopFlags> ParseNoop(const std::vector<std::string>& args) {
  NoopFlags flags;
  CLI::App app("noop job", "noop");
  app.add_option("--ms", flags.ms, "milliseconds to wait")->check(CLI::Range(0, 86400000));
  app.add_option("--out", flags.out, "file to write 'job ID epoch E worker W' to (fenced)");
  app.add_option("--fail", flags.fail, "fail every attempt: io (retryable) or invalid (not)")
      ->check(CLI::IsMember({"io", "invalid"}));
  std::vector<std::string> argv(args.rbegin(), args.rend());
  try {
    app.parse(argv);
  } catch (const CLI::ParseError& e) {
    return InvalidArgumentError(e.what());
  }
  return flags;
}

Status RunNoop(JobContext& context) {
  CHURNML_ASSIGN_OR_RETURN(NoopFlags f, ParseNoop(context.job().args));
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(f.ms);
  while (std::chrono::steady_clock::now() < until) {
    if (context.LeaseLost()) return UnavailableError("lease lost while waiting");
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(20), until - std::chrono::steady_clock::now()));
  }
  if (f.fail == "io")
    return IOError("noop --fail io on attempt " + std::to_string(context.job().attempt));
  if (f.fail == "invalid") return InvalidArgumentError("noop --fail invalid");
  if (!f.out.empty()) {
    fs::path temporary = context.StagingPath(f.out);
    std::ofstream out(temporary, std::ios::trunc);
    out << "job " << context.job().id << " epoch " << context.job().epoch << " worker "
        << context.worker() << "\n";
    out.close();
    if (!out) return IOError("cannot write " + temporary.string());
    context.AddOutput(temporary, f.out);
  }
  context.SetResult(nlohmann::json{{"output", f.out}}.dump());
  return Status::Ok();
}

Result<std::vector<std::string>> PreparePredict(const std::vector<std::string>& args,
                                                const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f,
                           ParsedFlags::Parse(RegisterPredictCommand, "predict", args, globals));
  CHURNML_RETURN_IF_ERROR(RefuseStandardStreams(*f, {"--data", "--out", "--rejects"}));
  return AbsoluteModelDir(
      AbsolutePaths(args, {"--data", "--input", "--out", "--output", "--rejects"}));
}

Status RunPredict(JobContext& context, const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(
      auto f, ParsedFlags::Parse(RegisterPredictCommand, "predict", context.job().args, globals));
  CHURNML_ASSIGN_OR_RETURN(auto artifact, LoadModelRef(f->Text("--model"), f->context()));
  fs::path output = f->Text("--out");
  fs::path rejects = f->Has("--rejects") ? fs::path(f->Text("--rejects"))
                                         : fs::path(output.string() + ".rejects.csv");
  PredictOptions options;
  options.input_path = f->Text("--data");
  options.output_path = context.StagingPath(output);
  options.rejects_path = context.StagingPath(rejects);
  options.threshold = f->Value<double>("--threshold");
  options.threads = f->Value<int>("--threads").value_or(0);
  options.show_progress = false;
  PredictReport report;
  CHURNML_RETURN_IF_ERROR(PredictBatch(*artifact, options, &report));
  context.AddOutput(options.output_path, output);
  std::error_code ec;
  if (fs::exists(options.rejects_path, ec)) context.AddOutput(options.rejects_path, rejects);
  context.SetResult(nlohmann::json{{"model", f->Text("--model")},
                                   {"output", output.string()},
                                   {"rows",
                                    {{"read", report.rows_read},
                                     {"scored", report.rows_scored},
                                     {"rejected", report.rows_rejected}}}}
                        .dump());
  return Status::Ok();
}

Result<std::vector<std::string>> PrepareEvaluate(const std::vector<std::string>& args,
                                                 const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f,
                           ParsedFlags::Parse(RegisterEvaluateCommand, "evaluate", args, globals));
  CHURNML_RETURN_IF_ERROR(RefuseStandardStreams(*f, {"--data", "--out"}));
  return AbsoluteModelDir(AbsolutePaths(args, {"--data", "--out", "--output"}));
}

Status RunEvaluate(JobContext& context, const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(
      auto f, ParsedFlags::Parse(RegisterEvaluateCommand, "evaluate", context.job().args, globals));
  CHURNML_ASSIGN_OR_RETURN(auto artifact, LoadModelRef(f->Text("--model"), f->context()));
  EvaluateOptions options;
  options.data_path = f->Text("--data");
  options.threshold = f->Value<double>("--threshold");
  EvaluateReport report;
  CHURNML_RETURN_IF_ERROR(Evaluate(*artifact, options, &report));
  nlohmann::json doc = {{"model", f->Text("--model")},
                        {"data", f->Text("--data")},
                        {"kind", artifact->model().kind()},
                        {"metrics", ToJson(report.metrics)}};
  if (f->Has("--out")) {
    fs::path output = f->Text("--out");
    fs::path temporary = context.StagingPath(output);
    CHURNML_RETURN_IF_ERROR(WriteFileAtomically(temporary, DumpJson(doc, 2) + "\n"));
    context.AddOutput(temporary, output);
  }
  context.SetResult(doc.dump());
  return Status::Ok();
}

}  // namespace

Status RegisterJobKinds(orchestration::JobKindRegistry& registry, const GlobalOptions& globals) {
  JobKind noop{"noop",
               "wait --ms, optionally write --out or --fail io|invalid (diagnostics, benchmarks)",
               [](const std::vector<std::string>& args) -> Result<std::vector<std::string>> {
                 Result<NoopFlags> flags = ParseNoop(args);
                 if (!flags.ok()) return flags.status();
                 return AbsolutePaths(args, {"--out"});
               },
               RunNoop};
  CHURNML_RETURN_IF_ERROR(registry.Add(std::move(noop)));
  CHURNML_RETURN_IF_ERROR(registry.Add(
      {"predict", "churnml predict's flags: --model --data --out [--rejects --threshold --threads]",
       [&globals](const std::vector<std::string>& args) { return PreparePredict(args, globals); },
       [&globals](JobContext& c) { return RunPredict(c, globals); }}));
  CHURNML_RETURN_IF_ERROR(registry.Add(
      {"evaluate", "churnml evaluate's flags: --model --data [--threshold --out]",
       [&globals](const std::vector<std::string>& args) { return PrepareEvaluate(args, globals); },
       [&globals](JobContext& c) { return RunEvaluate(c, globals); }}));
  return Status::Ok();
}

}  // namespace churnml::cli
