// The job kinds. One file past the usual size: every kind parses its
// arguments with its command's own flag definitions through ParsedFlags,
// which lives here, and predict's partitions (plan, partition, merge) share
// predict's flag handling.
#include "cli/job_kinds.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli/drift_command.h"
#include "cli/model_ref.h"
#include "cli/tracking_command.h"
#include "common/atomic_file.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "data/csv_partition.h"
#include "data/csv_record_parser.h"
#include "data/csv_writer.h"
#include "eval/metrics_json.h"
#include "pipeline/batch_predict.h"
#include "pipeline/evaluate.h"
#include "pipeline/quality_report.h"
#include "pipeline/retrain.h"
#include "pipeline/tracked_train.h"
#include "pipeline/train.h"
#include "tracking/model_reference.h"

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

  // False also for a flag this build's command does not define (a kind may
  // read a flag a newer command adds).
  bool Has(const std::string& flag) const {
    const CLI::Option* opt = cmd_->get_option_no_throw(flag);
    return opt != nullptr && opt->count() > 0;
  }
  std::string Text(const std::string& flag) const {
    return Has(flag) ? cmd_->get_option(flag)->as<std::string>() : "";
  }
  template <typename T>
  std::optional<T> Value(const std::string& flag) const {
    if (!Has(flag)) return std::nullopt;
    return cmd_->get_option(flag)->as<T>();
  }
  const CommandContext& context() const { return ctx_; }
  // The options given on the command line (not aliases), as (--name, text).
  std::vector<std::pair<std::string, std::string>> Given() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const CLI::Option* opt : cmd_->get_options()) {
      if (opt->count() == 0 || opt->get_group().empty() || opt->get_lnames().empty()) continue;
      out.emplace_back("--" + opt->get_lnames().front(), opt->as<std::string>());
    }
    return out;
  }

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

// --- predict --partitions N --------------------------------------------
// `jobs submit predict … --partitions N` adds one parent `predict` job (args
// + `--partitions N`) and N `predict-partition` children (args +
// `--partition K/N --range B-E --first-line L --input-bytes S`) in one
// transaction. Each child scores bytes [B, E) of the shared input in place
// and publishes `<out>.job<PARENT>.part<K>` (and the same for the rejects)
// through the fenced completion. The parent is claimed only when every child
// succeeded; it concatenates the parts in order (header once, reject rows
// renumbered) into a staging file that its own fenced completion renames to
// --out, then the worker deletes the parts.

struct PartitionFlags {
  int index = -1;  // K of --partition K/N
  int count = 0;   // N
  CsvByteRange range;
  int64_t input_bytes = -1;
};

std::optional<int64_t> WholeNumber(const std::string& text) {
  std::optional<int64_t> n = ParseInt(text);
  if (!n || *n < 0) return std::nullopt;
  return n;
}

// Removes `--partitions N` (a parent's) from args; 0 when absent.
Result<int> TakePartitions(std::vector<std::string>& args) {
  int partitions = 0;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string value;
    if (args[i].rfind("--partitions=", 0) == 0) {
      value = args[i].substr(13);
    } else if (args[i] == "--partitions") {
      if (i + 1 >= args.size()) return InvalidArgumentError("--partitions needs a value");
      value = args[++i];
    } else {
      rest.push_back(args[i]);
      continue;
    }
    std::optional<int64_t> n = WholeNumber(value);
    if (!n || *n < 1 || *n > kMaxCsvPartitions) {
      return InvalidArgumentError("--partitions \"" + value + "\" is not a whole number in 1-" +
                                  std::to_string(kMaxCsvPartitions));
    }
    partitions = static_cast<int>(*n);
  }
  args = std::move(rest);
  return partitions;
}

// Removes a child's partition flags from args.
Result<PartitionFlags> TakePartitionFlags(std::vector<std::string>& args) {
  PartitionFlags p;
  std::vector<std::string> rest;
  bool have_range = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag != "--partition" && flag != "--range" && flag != "--first-line" &&
        flag != "--input-bytes") {
      rest.push_back(flag);
      continue;
    }
    if (i + 1 >= args.size()) return InvalidArgumentError(flag + " needs a value");
    const std::string& value = args[++i];
    auto split = [&](char sep) -> std::optional<std::pair<int64_t, int64_t>> {
      size_t at = value.find(sep);
      if (at == std::string::npos) return std::nullopt;
      auto a = WholeNumber(value.substr(0, at));
      auto b = WholeNumber(value.substr(at + 1));
      if (!a || !b) return std::nullopt;
      return std::make_pair(*a, *b);
    };
    if (flag == "--partition") {
      auto kn = split('/');
      if (!kn || kn->second < 1 || kn->second > kMaxCsvPartitions || kn->first >= kn->second)
        return InvalidArgumentError("--partition \"" + value + "\" is not K/N with K < N");
      p.index = static_cast<int>(kn->first);
      p.count = static_cast<int>(kn->second);
    } else if (flag == "--range") {
      auto be = split('-');
      if (!be || be->first > be->second)
        return InvalidArgumentError("--range \"" + value + "\" is not BEGIN-END bytes");
      p.range.begin = be->first;
      p.range.end = be->second;
      have_range = true;
    } else {
      auto n = WholeNumber(value);
      if (!n) return InvalidArgumentError(flag + " \"" + value + "\" is not a whole number");
      if (flag == "--first-line") p.range.first_line = *n;
      if (flag == "--input-bytes") p.input_bytes = *n;
    }
  }
  if (p.index < 0 || !have_range || p.input_bytes < 0) {
    return InvalidArgumentError(
        "a predict-partition job needs --partition K/N, --range B-E and --input-bytes S (made by "
        "jobs submit predict --partitions N)");
  }
  args = std::move(rest);
  return p;
}

fs::path PartPath(const fs::path& final_path, int64_t parent, int index) {
  char suffix[48];
  std::snprintf(suffix, sizeof(suffix), ".job%lld.part%04d", static_cast<long long>(parent), index);
  return fs::path(final_path.string() + suffix);
}

fs::path RejectsPath(const ParsedFlags& f) {
  return f.Has("--rejects") ? fs::path(f.Text("--rejects"))
                            : fs::path(f.Text("--out") + ".rejects.csv");
}

int64_t FileBytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

// Copies `path` to `out`, skipping its first `skip` bytes.
Status AppendFile(const fs::path& path, size_t skip, AtomicFileWriter& out) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (in == nullptr) return IOError("cannot open partition output " + path.string());
  std::string buffer(size_t{1} << 20, '\0');
  Status status;
  if (skip > 0 && std::fseek(in, static_cast<long>(skip), SEEK_SET) != 0) {
    status = IOError("cannot seek " + path.string());
  }
  while (status.ok()) {
    size_t got = std::fread(buffer.data(), 1, buffer.size(), in);
    if (got > 0) status = out.Write(std::string_view(buffer.data(), got));
    if (got < buffer.size()) {
      if (std::ferror(in)) status = IOError("cannot read " + path.string());
      break;
    }
  }
  std::fclose(in);
  return status;
}

// The first record of a part (its header line), quote-aware.
Result<std::string> HeaderOf(const fs::path& path) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (in == nullptr) return IOError("cannot open partition output " + path.string());
  std::string header;
  bool quoted = false;
  for (int c = std::fgetc(in); c != EOF && header.size() < kDefaultMaxLineBytes;
       c = std::fgetc(in)) {
    header.push_back(static_cast<char>(c));
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) break;
  }
  std::fclose(in);
  if (header.empty() || header.back() != '\n') {
    return InvalidArgumentError(path.string() + " does not start with a header line");
  }
  return header;
}

// Appends a part's rejects (after its header) to `out`, adding `row_offset`
// to each row number: a partition numbers its rows from 1.
Status AppendRejects(const fs::path& path, int64_t row_offset, AtomicFileWriter& out) {
  CHURNML_ASSIGN_OR_RETURN(CsvChunkReader reader, CsvChunkReader::Open(path.string()));
  CHURNML_RETURN_IF_ERROR(reader.ReadHeader().status());
  for (;;) {
    CHURNML_ASSIGN_OR_RETURN(std::optional<CsvChunk> chunk, reader.Next());
    if (!chunk) return Status::Ok();
    CsvRecordParser parser(chunk->bytes.data(), chunk->bytes.size(), chunk->first_line,
                           path.string());
    CsvRecord record;
    std::string text;
    for (;;) {
      CHURNML_ASSIGN_OR_RETURN(bool got, parser.Next(&record));
      if (!got) break;
      std::optional<int64_t> row =
          record.fields.empty() ? std::nullopt : ParseInt(std::string(record.fields[0]));
      if (!row) return InvalidArgumentError(path.string() + ": a reject without a row number");
      text += std::to_string(*row + row_offset);
      for (size_t i = 1; i < record.fields.size(); ++i) {
        text.push_back(',');
        std::string_view field = record.fields[i];
        // The message starts with the row too: "row 1,204, column …", as
        // IssueList::Merge rebuilds it when the data layer renumbers rows.
        const std::string old_prefix = "row " + FormatCount(*row);
        if (i == 4 && field.rfind(old_prefix, 0) == 0) {
          AppendCsvField(&text, "row " + FormatCount(*row + row_offset) +
                                    std::string(field.substr(old_prefix.size())));
        } else {
          AppendCsvField(&text, field);
        }
      }
      text.push_back('\n');
    }
    CHURNML_RETURN_IF_ERROR(out.Write(text));
  }
}

Result<std::vector<std::string>> PreparePredict(const std::vector<std::string>& args,
                                                const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f,
                           ParsedFlags::Parse(RegisterPredictCommand, "predict", args, globals));
  CHURNML_RETURN_IF_ERROR(RefuseStandardStreams(*f, {"--data", "--out", "--rejects"}));
  return AbsoluteModelDir(
      AbsolutePaths(args, {"--data", "--input", "--out", "--output", "--rejects"}));
}

Status MergePartitions(JobContext& context, const ParsedFlags& f, int partitions) {
  CHURNML_ASSIGN_OR_RETURN(std::vector<orchestration::Job> children, context.Children());
  const int64_t parent = context.job().id;
  std::vector<const orchestration::Job*> part(static_cast<size_t>(partitions), nullptr);
  for (const orchestration::Job& child : children) {
    std::vector<std::string> args = child.args;
    Result<PartitionFlags> p = TakePartitionFlags(args);
    if (!p.ok() || p->count != partitions) continue;
    if (child.state != orchestration::JobState::kSucceeded) {
      return UnavailableError("partition job " + std::to_string(child.id) + " is " +
                              std::string(orchestration::JobStateName(child.state)));
    }
    part[static_cast<size_t>(p->index)] = &child;
  }
  const fs::path output = f.Text("--out");
  const fs::path rejects = RejectsPath(f);
  for (int k = 0; k < partitions; ++k) {
    if (part[static_cast<size_t>(k)] == nullptr) {
      return FailedPreconditionError("job " + std::to_string(parent) + ": partition " +
                                     std::to_string(k) + " of " + std::to_string(partitions) +
                                     " has no job");
    }
  }
  const fs::path staged_output = context.StagingPath(output);
  const fs::path staged_rejects = context.StagingPath(rejects);
  CHURNML_ASSIGN_OR_RETURN(AtomicFileWriter out, AtomicFileWriter::Create(staged_output));
  CHURNML_ASSIGN_OR_RETURN(AtomicFileWriter rej, AtomicFileWriter::Create(staged_rejects));
  CHURNML_ASSIGN_OR_RETURN(std::string header, HeaderOf(PartPath(output, parent, 0)));
  CHURNML_RETURN_IF_ERROR(rej.Write("row,column,value,rule,message\n"));
  int64_t read = 0, scored = 0, rejected = 0;
  for (int k = 0; k < partitions; ++k) {
    if (context.LeaseLost()) return UnavailableError("lease lost while merging partitions");
    const fs::path part_path = PartPath(output, parent, k);
    if (k > 0) {
      CHURNML_ASSIGN_OR_RETURN(std::string part_header, HeaderOf(part_path));
      if (part_header != header) {
        return InternalError(part_path.string() + ": header differs from partition 0's");
      }
    }
    CHURNML_RETURN_IF_ERROR(AppendFile(part_path, k == 0 ? 0 : header.size(), out));
    CHURNML_RETURN_IF_ERROR(AppendRejects(PartPath(rejects, parent, k), read, rej));
    nlohmann::json result =
        nlohmann::json::parse(part[static_cast<size_t>(k)]->result, nullptr, false);
    if (!result.is_object() || !result.contains("rows")) {
      return InternalError("partition job " + std::to_string(part[static_cast<size_t>(k)]->id) +
                           " has no row counts in its result");
    }
    read += result["rows"].value("read", int64_t{0});
    scored += result["rows"].value("scored", int64_t{0});
    rejected += result["rows"].value("rejected", int64_t{0});
  }
  CHURNML_RETURN_IF_ERROR(out.Flush());
  CHURNML_RETURN_IF_ERROR(rej.Flush());
  CHURNML_RETURN_IF_ERROR(out.Commit());
  CHURNML_RETURN_IF_ERROR(rej.Commit());
  context.AddOutput(staged_output, output);
  context.AddOutput(staged_rejects, rejects);
  // The parts, and any staging file a killed partition worker left.
  for (const fs::path& final_path : {output, rejects}) {
    const std::string prefix =
        final_path.filename().string() + ".job" + std::to_string(parent) + ".part";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(final_path.parent_path(), ec)) {
      // Parts, their staging names, and the temporaries behind those
      // (".NAME.tmp-…", common/atomic_file.h) that a killed worker left.
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) == 0 || name.rfind("." + prefix, 0) == 0) {
        context.RemoveAfterSuccess(entry.path());
      }
    }
  }
  context.SetResult(
      nlohmann::json{{"model", f.Text("--model")},
                     {"output", output.string()},
                     {"partitions", partitions},
                     {"rows", {{"read", read}, {"scored", scored}, {"rejected", rejected}}}}
          .dump());
  return Status::Ok();
}

Status RunPredictPartition(JobContext& context, const GlobalOptions& globals) {
  std::vector<std::string> args = context.job().args;
  CHURNML_ASSIGN_OR_RETURN(PartitionFlags p, TakePartitionFlags(args));
  if (!context.job().parent_id) {
    return InvalidArgumentError("a predict-partition job needs a parent job");
  }
  CHURNML_ASSIGN_OR_RETURN(auto f,
                           ParsedFlags::Parse(RegisterPredictCommand, "predict", args, globals));
  const std::string input = f->Text("--data");
  const int64_t bytes = FileBytes(input);
  if (bytes != p.input_bytes) {
    return InvalidArgumentError("--data " + input + " is " + std::to_string(bytes) +
                                " bytes, not the " + std::to_string(p.input_bytes) +
                                " it had when the job was submitted; submit it again");
  }
  CHURNML_ASSIGN_OR_RETURN(auto artifact, LoadModelRef(f->Text("--model"), f->context()));
  const int64_t parent = *context.job().parent_id;
  const fs::path output = PartPath(f->Text("--out"), parent, p.index);
  const fs::path rejects = PartPath(RejectsPath(*f), parent, p.index);
  PredictOptions options;
  options.input_path = input;
  options.input_range = p.range;
  options.output_path = context.StagingPath(output);
  options.rejects_path = context.StagingPath(rejects);
  options.threshold = f->Value<double>("--threshold");
  options.threads = f->Value<int>("--threads").value_or(0);
  if (f->Has("--keep-columns")) {
    options.keep_columns =
        f->Value<std::vector<std::string>>("--keep-columns").value_or(std::vector<std::string>{});
  }
  options.show_progress = false;
  PredictReport report;
  CHURNML_RETURN_IF_ERROR(PredictBatch(*artifact, options, &report));
  context.AddOutput(options.output_path, output);
  context.AddOutput(options.rejects_path, rejects);
  context.SetResult(nlohmann::json{{"model", f->Text("--model")},
                                   {"partition", p.index},
                                   {"range", {p.range.begin, p.range.end}},
                                   {"output", output.string()},
                                   {"rows",
                                    {{"read", report.rows_read},
                                     {"scored", report.rows_scored},
                                     {"rejected", report.rows_rejected}}}}
                        .dump());
  return Status::Ok();
}

Status RunPredict(JobContext& context, const GlobalOptions& globals) {
  std::vector<std::string> args = context.job().args;
  CHURNML_ASSIGN_OR_RETURN(int partitions, TakePartitions(args));
  CHURNML_ASSIGN_OR_RETURN(auto f,
                           ParsedFlags::Parse(RegisterPredictCommand, "predict", args, globals));
  if (partitions > 0) return MergePartitions(context, *f, partitions);
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
  if (f->Has("--keep-columns")) {
    options.keep_columns =
        f->Value<std::vector<std::string>>("--keep-columns").value_or(std::vector<std::string>{});
  }
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

// --- train, drift, report, retrain --------------------------------------
// Each parses its args with the command's own flag definitions and calls the
// pipeline use case the command calls. Store writes (runs, model versions,
// aliases) go through a store fenced on the job's epoch
// (tracking::StoreOptions::write_fence): a worker that lost its lease cannot
// record or register anything. Files go to staging names, published by the
// queue's fenced completion.

tracking::StoreOptions FencedStore(const GlobalOptions& globals, const JobContext& context) {
  tracking::StoreOptions store;
  store.uri = globals.store;
  store.write_fence = tracking::WriteFence{context.job().id, context.job().epoch};
  return store;
}

// The value of flag `--x` to a JSON value: a number when the text is one
// (CLI11 has already checked the flag's type), else the text.
nlohmann::json FlagJson(const std::string& text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_number()) return parsed;
  return text;
}

// train's flags that are not hyperparameters; every other flag given is
// one, named after the flag ("--max-depth" → "max_depth", "--C" → "C").
const std::set<std::string>& TrainGeneralFlags() {
  static const std::set<std::string> flags = {"--data",
                                              "--model",
                                              "--out",
                                              "--schema",
                                              "--test-size",
                                              "--seed",
                                              "--cv",
                                              "--threshold",
                                              "--validation-fraction",
                                              "--threshold-for",
                                              "--calibrate",
                                              "--drop-invalid",
                                              "--force",
                                              "--unknown-category",
                                              "--json",
                                              "--experiment",
                                              "--register",
                                              "--alias",
                                              "--no-track",
                                              "--help"};
  return flags;
}

Result<std::unique_ptr<ParsedFlags>> ParseTrain(const std::vector<std::string>& args,
                                                const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f,
                           ParsedFlags::Parse(RegisterTrainCommands, "train", args, globals));
  CHURNML_RETURN_IF_ERROR(RefuseStandardStreams(*f, {"--data", "--schema"}));
  const std::vector<std::string> kinds = f->context().models.kinds();
  const std::string kind = f->Has("--model") ? f->Text("--model") : "logistic";
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    return InvalidArgumentError("--model " + kind +
                                ": unknown model kind; valid: " + Join(kinds, ", "));
  }
  double test_size = f->Value<double>("--test-size").value_or(0.2);
  if (!(test_size > 0 && test_size < 1))
    return InvalidArgumentError("--test-size must be between 0 and 1 (exclusive)");
  int cv = f->Value<int>("--cv").value_or(0);
  if (cv < 0 || cv == 1) return InvalidArgumentError("--cv must be 0 (off) or at least 2 folds");
  double threshold = f->Value<double>("--threshold").value_or(0.5);
  if (!(threshold >= 0 && threshold <= 1))
    return InvalidArgumentError("--threshold must be between 0 and 1");
  if (f->Has("--alias") && !f->Has("--register"))
    return InvalidArgumentError("--alias needs --register NAME (the model the alias belongs to)");
  if (f->Has("--no-track") && (f->Has("--register") || !f->Has("--out")))
    return InvalidArgumentError("--no-track needs --out and cannot --register");
  if (f->Has("--force"))
    return InvalidArgumentError(
        "--force: a train job never replaces a model folder; give a new --out");
  if (f->Has("--unknown-category"))
    CHURNML_RETURN_IF_ERROR(ParseUnknownCategoryPolicy(f->Text("--unknown-category")).status());
  return f;
}

Result<std::vector<std::string>> PrepareTrain(const std::vector<std::string>& args,
                                              const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f, ParseTrain(args, globals));
  (void)f;
  return AbsolutePaths(args, {"--data", "--out", "--output", "--schema"});
}

// The version an earlier attempt of this job registered, if any. A train
// job whose lease ran out after its registration committed (and before its
// completion did) runs again under a new epoch: it must not register a
// second version. Versions carry the job id through their run's tags.
Result<std::optional<int64_t>> VersionRegisteredByJob(const GlobalOptions& globals,
                                                      const std::string& model, int64_t job_id) {
  CHURNML_ASSIGN_OR_RETURN(auto store,
                           tracking::TrackingStore::Open(TrackingStoreOptions(globals)));
  tracking::RunQuery query;
  query.filter = "tags.job_id = '" + std::to_string(job_id) + "'";
  query.limit = 0;
  query.lifecycle = tracking::RunLifecycle::kAll;
  Result<std::vector<tracking::Run>> runs = store->ListRuns(query);
  // A store where no run has a job_id tag yet refuses the filter as naming
  // an unknown tag: then no attempt registered anything.
  if (!runs.ok()) {
    if (runs.status().code() == StatusCode::kInvalidArgument) return std::optional<int64_t>();
    return runs.status();
  }
  std::set<std::string> run_ids;
  for (const tracking::Run& run : *runs) run_ids.insert(run.run_id);
  Result<tracking::RegisteredModel> registered = store->GetModel(model);
  if (!registered.ok()) {
    if (registered.status().code() == StatusCode::kNotFound) return std::optional<int64_t>();
    return registered.status();
  }
  for (const tracking::ModelVersion& version : registered->versions) {
    if (run_ids.count(version.run_id) != 0) return std::optional<int64_t>(version.version);
  }
  return std::optional<int64_t>();
}

Status RunTrainJob(JobContext& context, const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f, ParseTrain(context.job().args, globals));
  TrainOptions options;
  options.data_path = f->Text("--data");
  CHURNML_ASSIGN_OR_RETURN(options.schema, LoadSchemaOption(f->Text("--schema")));
  options.model_kind = f->Has("--model") ? f->Text("--model") : "logistic";
  options.hyperparameters = nlohmann::json::object();
  for (const auto& [flag, text] : f->Given()) {
    if (TrainGeneralFlags().count(flag) != 0) continue;
    std::string key = flag.substr(2);
    std::replace(key.begin(), key.end(), '-', '_');
    options.hyperparameters[key] = FlagJson(text);
  }
  options.seed = f->Value<uint64_t>("--seed").value_or(42);
  if (options.model_kind == "xgboost") options.hyperparameters["seed"] = options.seed;
  CHURNML_ASSIGN_OR_RETURN(
      options.preprocessing.unknown_category,
      ParseUnknownCategoryPolicy(f->Has("--unknown-category") ? f->Text("--unknown-category")
                                                              : "ignore"));
  options.test_size = f->Value<double>("--test-size").value_or(0.2);
  options.cv_folds = f->Value<int>("--cv").value_or(0);
  options.threshold = f->Value<double>("--threshold").value_or(0.5);
  options.validation_fraction = f->Value<double>("--validation-fraction").value_or(0.1);
  if (f->Has("--threshold-for")) {
    CHURNML_ASSIGN_OR_RETURN(options.threshold_for,
                             ThresholdGoal::Parse(f->Text("--threshold-for")));
  }
  if (f->Has("--calibrate")) {
    CHURNML_ASSIGN_OR_RETURN(options.calibrate, ParseCalibrationMethod(f->Text("--calibrate")));
  }
  options.invalid_rows =
      f->Has("--drop-invalid") ? InvalidRowPolicy::kDrop : InvalidRowPolicy::kFail;
  options.existing = ExistingPolicy::kFail;
  fs::path out = f->Text("--out");
  std::error_code ec;
  if (!out.empty() && fs::exists(fs::symlink_status(out, ec))) {
    return AlreadyExistsError("--out " + out.string() + " already exists; give a new folder");
  }
  if (!out.empty()) options.out_dir = context.StagingPath(out);
  TrainReport report;
  nlohmann::json result = {{"kind", options.model_kind}};
  if (f->Has("--no-track")) {
    CHURNML_RETURN_IF_ERROR(Train(options, f->context().models, &report));
  } else {
    TrackingOptions tracking;
    tracking.store = FencedStore(globals, context);
    tracking.experiment = f->Has("--experiment") ? f->Text("--experiment") : "default";
    tracking.register_model = f->Text("--register");
    tracking.alias = f->Text("--alias");
    tracking.tags = {{"job_id", std::to_string(context.job().id)},
                     {"job_epoch", std::to_string(context.job().epoch)}};
    std::optional<int64_t> earlier;
    if (!tracking.register_model.empty()) {
      CHURNML_ASSIGN_OR_RETURN(
          earlier, VersionRegisteredByJob(globals, tracking.register_model, context.job().id));
    }
    if (earlier) {
      // Train again (the outputs are this attempt's), register nothing new;
      // the result says which version stands for the job.
      result["registered_by_earlier_attempt"] = true;
      tracking.register_model.clear();
      tracking.alias.clear();
    }
    TrackedRun run;
    CHURNML_RETURN_IF_ERROR(TrainTracked(options, tracking, f->context().models, &report, &run));
    if (earlier) {
      const std::string model = f->Text("--register");
      if (f->Has("--alias")) {
        CHURNML_ASSIGN_OR_RETURN(auto store, tracking::TrackingStore::Open(tracking.store));
        CHURNML_RETURN_IF_ERROR(store->SetAlias(model, f->Text("--alias"), *earlier));
      }
      tracking.register_model = model;
      tracking.alias = f->Text("--alias");
      run.version = earlier;
    }
    result["run"] = run.run_id;
    result["artifact"] = run.artifact_path.string();
    if (run.version) {
      result["model"] = tracking.register_model;
      result["version"] = *run.version;
      if (!tracking.alias.empty()) result["alias"] = tracking.alias;
    }
  }
  if (!out.empty()) {
    context.AddOutput(options.out_dir, out);
    result["output"] = out.string();
  }
  result["train_rows"] = report.train_rows;
  result["test_rows"] = report.test_rows;
  result["metrics"] = ToJson(report.test_metrics);
  context.SetResult(result.dump());
  return Status::Ok();
}

Result<DriftRules> DriftRulesFrom(const ParsedFlags& f) {
  DriftRuleFlags rules;
  rules.thresholds = f.Text("--thresholds");
  rules.psi = f.Value<double>("--psi");
  rules.alpha = f.Value<double>("--alpha");
  rules.share = f.Value<double>("--share");
  return BuildDriftRules(rules);
}

Result<std::unique_ptr<ParsedFlags>> ParseDrift(const std::vector<std::string>& args,
                                                const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f,
                           ParsedFlags::Parse(RegisterDriftCommand, "drift", args, globals));
  CHURNML_RETURN_IF_ERROR(RefuseStandardStreams(*f, {"--data", "--html"}));
  if (f->Has("--fail-on") && f->Text("--fail-on") != "drift" && f->Text("--fail-on") != "never")
    return InvalidArgumentError("--fail-on must be drift or never");
  CHURNML_RETURN_IF_ERROR(DriftRulesFrom(*f).status());
  return f;
}

Status RunDriftJob(JobContext& context, const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f, ParseDrift(context.job().args, globals));
  CHURNML_ASSIGN_OR_RETURN(DriftRules rules, DriftRulesFrom(*f));
  const std::string model = f->Text("--model");
  CHURNML_ASSIGN_OR_RETURN(auto artifact, LoadModelRef(model, f->context()));
  Result<ReferenceProfile> reference = LoadReferenceProfile(*artifact);
  if (!reference.ok()) return reference.status().WithContext(model);
  DriftOptions options;
  options.data_path = f->Text("--data");
  options.rules = rules;
  DriftReport report;
  CHURNML_RETURN_IF_ERROR(MeasureDrift(*artifact, *reference, options, &report));
  if (f->Has("--html")) {
    QualityReportInput input;
    input.title = "Drift report: " + model + " on " + f->Text("--data");
    input.model_name = model;
    input.data_name = f->Text("--data");
    input.drift = &report.comparison;
    CHURNML_ASSIGN_OR_RETURN(std::string html, RenderQualityReport(input));
    fs::path final_path = f->Text("--html");
    fs::path temporary = context.StagingPath(final_path);
    CHURNML_RETURN_IF_ERROR(WriteFileAtomically(temporary, html));
    context.AddOutput(temporary, final_path);
  }
  nlohmann::json doc = DriftReportJson(report);
  doc["model"] = model;
  // A drifting data set is the job's finding, not its failure: the result
  // says so (`dataset_drift`), as `drift --fail-on never` would.
  context.SetResult(doc.dump());
  return Status::Ok();
}

Result<std::unique_ptr<ParsedFlags>> ParseReport(const std::vector<std::string>& args,
                                                 const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f,
                           ParsedFlags::Parse(RegisterReportCommand, "report", args, globals));
  CHURNML_RETURN_IF_ERROR(RefuseStandardStreams(*f, {"--data", "--out"}));
  if (f->Value<int64_t>("--importance-rows").value_or(20000) < 2)
    return InvalidArgumentError("--importance-rows must be at least 2");
  CHURNML_RETURN_IF_ERROR(DriftRulesFrom(*f).status());
  return f;
}

Status RunReportJob(JobContext& context, const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f, ParseReport(context.job().args, globals));
  CHURNML_ASSIGN_OR_RETURN(DriftRules rules, DriftRulesFrom(*f));
  CHURNML_ASSIGN_OR_RETURN(auto artifact, LoadModelRef(f->Text("--model"), f->context()));
  fs::path final_path = f->Text("--out");
  ReportOptions options;
  options.data_path = f->Text("--data");
  options.out_path = context.StagingPath(final_path);
  options.model_name = f->Text("--model");
  options.rules = rules;
  options.importance_rows = f->Value<int64_t>("--importance-rows").value_or(20000);
  ReportSummary summary;
  CHURNML_RETURN_IF_ERROR(WriteQualityReport(*artifact, options, &summary));
  context.AddOutput(options.out_path, final_path);
  context.SetResult(nlohmann::json{
      {"model", options.model_name},
      {"output", final_path.string()},
      {"rows", summary.rows},
      {"bytes", summary.bytes},
      {"charts",
       summary.charts}}.dump());
  return Status::Ok();
}

// "0", "90s", "30m", "24h", "7d" → ms, as `retrain --cooldown` reads it.
Result<int64_t> CooldownMs(const std::string& text) {
  if (text.empty() || text == "0") return int64_t{0};
  std::optional<int64_t> n = ParseInt(text.substr(0, text.size() - 1));
  const std::map<char, int64_t> scale = {
      {'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}};
  auto unit = scale.find(text.back());
  if (!n || *n < 0 || unit == scale.end() || *n > int64_t{365} * 24 * 3600) {
    return InvalidArgumentError("--cooldown: \"" + text +
                                "\" is not a duration like 90s, 30m, 24h or 7d");
  }
  return *n * unit->second;
}

void RegisterModelsAndRetrain(CLI::App& app, CommandContext& ctx) {
  RegisterTrackingCommands(app, ctx);  // retrain adds `models rollback`
  RegisterRetrainCommand(app, ctx);
}

Result<std::unique_ptr<ParsedFlags>> ParseRetrain(const std::vector<std::string>& args,
                                                  const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f,
                           ParsedFlags::Parse(RegisterModelsAndRetrain, "retrain", args, globals));
  CHURNML_RETURN_IF_ERROR(RefuseStandardStreams(*f, {"--data", "--holdout"}));
  const tracking::ModelReference ref = tracking::ParseModelReference(f->Text("--model"));
  if (ref.kind != tracking::ModelReference::Kind::kAlias || ref.model.empty() ||
      ref.alias.empty()) {
    return InvalidArgumentError("--model must be NAME@ALIAS, e.g. churn@champion");
  }
  CHURNML_RETURN_IF_ERROR(CooldownMs(f->Text("--cooldown")).status());
  DriftRuleFlags rules;
  rules.thresholds = f->Text("--drift-thresholds");
  CHURNML_RETURN_IF_ERROR(BuildDriftRules(rules).status());
  return f;
}

Status RunRetrainJob(JobContext& context, const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(auto f, ParseRetrain(context.job().args, globals));
  // ParseRetrain accepted it as NAME@ALIAS.
  const tracking::ModelReference ref = tracking::ParseModelReference(f->Text("--model"));
  RetrainOptions options;
  options.store = FencedStore(globals, context);
  options.model = ref.model;
  options.alias = ref.alias;
  options.data_path = f->Text("--data");
  options.holdout_path = f->Text("--holdout");
  if (auto v = f->Value<double>("--holdout-share")) options.holdout_share = *v;
  if (auto v = f->Value<uint64_t>("--seed")) options.seed = *v;
  if (auto v = f->Value<double>("--min-improvement")) options.gate.min_improvement = *v;
  if (auto v = f->Value<double>("--min-relative-improvement"))
    options.gate.min_relative_improvement = *v;
  if (auto v = f->Value<double>("--alpha")) options.gate.alpha = *v;
  if (auto v = f->Value<double>("--brier-tolerance")) options.gate.brier_tolerance = *v;
  if (auto v = f->Value<double>("--recall-tolerance")) options.gate.recall_tolerance = *v;
  options.mode = f->Has("--dry-run") ? RetrainMode::kDryRun : RetrainMode::kPromote;
  options.drift =
      f->Has("--if-drift") ? DriftPrecondition::kRequireDrift : DriftPrecondition::kNone;
  DriftRuleFlags rules;
  rules.thresholds = f->Text("--drift-thresholds");
  CHURNML_ASSIGN_OR_RETURN(options.drift_rules, BuildDriftRules(rules));
  CHURNML_ASSIGN_OR_RETURN(options.cooldown_ms, CooldownMs(f->Text("--cooldown")));
  RetrainReport report;
  CHURNML_RETURN_IF_ERROR(Retrain(options, f->context().models, &report));
  // A refused challenger is the job's finding, not its failure.
  context.SetResult(nlohmann::json{{"model", f->Text("--model")},
                                   {"decision", report.decision},
                                   {"reason", report.reason},
                                   {"decision_run", report.decision_run_id},
                                   {"challenger_run", report.challenger_run_id},
                                   {"champion_version", report.champion_version},
                                   {"challenger_version", report.challenger_version}}
                        .dump());
  return Status::Ok();
}

}  // namespace

Result<std::optional<PartitionedSubmission>> PlanPredictPartitions(std::vector<std::string> args,
                                                                   const GlobalOptions& globals) {
  CHURNML_ASSIGN_OR_RETURN(int partitions, TakePartitions(args));
  if (partitions == 0) return std::optional<PartitionedSubmission>();
  CHURNML_ASSIGN_OR_RETURN(std::vector<std::string> prepared, PreparePredict(args, globals));
  CHURNML_ASSIGN_OR_RETURN(
      auto f, ParsedFlags::Parse(RegisterPredictCommand, "predict", prepared, globals));
  // Every partition must score with the same model: resolve an alias (or
  // NAME@latest) once, now, to the version it names.
  const std::string model = f->Text("--model");
  const tracking::ModelReference ref = tracking::ParseModelReference(model);
  std::string pinned = model;
  if (ref.kind == tracking::ModelReference::Kind::kAlias) {
    CHURNML_RETURN_IF_ERROR(RequireExistingStore(globals.store));
    CHURNML_ASSIGN_OR_RETURN(auto store,
                             tracking::TrackingStore::Open(TrackingStoreOptions(globals)));
    CHURNML_ASSIGN_OR_RETURN(tracking::ResolvedModel resolved, store->ResolveModel(model));
    pinned = resolved.model + "/" + std::to_string(resolved.version);
  }
  for (size_t i = 0; i < prepared.size(); ++i) {
    if (prepared[i] == "--model" && i + 1 < prepared.size()) prepared[i + 1] = pinned;
    if (prepared[i].rfind("--model=", 0) == 0) prepared[i] = "--model=" + pinned;
  }
  CHURNML_ASSIGN_OR_RETURN(CsvPartitionPlan plan, PlanCsvPartitions(f->Text("--data"), partitions));
  PartitionedSubmission out;
  out.model = pinned;
  out.parent_args = prepared;
  out.parent_args.push_back("--partitions");
  out.parent_args.push_back(std::to_string(plan.ranges.size()));
  for (size_t k = 0; k < plan.ranges.size(); ++k) {
    const CsvByteRange& r = plan.ranges[k];
    std::vector<std::string> child = prepared;
    child.insert(child.end(),
                 {"--partition", std::to_string(k) + "/" + std::to_string(plan.ranges.size()),
                  "--range", std::to_string(r.begin) + "-" + std::to_string(r.end), "--first-line",
                  std::to_string(r.first_line), "--input-bytes", std::to_string(plan.file_bytes)});
    out.children_args.push_back(std::move(child));
  }
  return std::optional<PartitionedSubmission>(std::move(out));
}

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
      {"predict",
       "churnml predict's flags: --model --data --out [--rejects --threshold --threads "
       "--keep-columns]; --partitions N splits it across workers",
       [&globals](const std::vector<std::string>& args) { return PreparePredict(args, globals); },
       [&globals](JobContext& c) { return RunPredict(c, globals); }}));
  CHURNML_RETURN_IF_ERROR(registry.Add(
      {"predict-partition",
       "one byte range of a predict --partitions job (made by jobs submit predict --partitions N)",
       [](const std::vector<std::string>&) -> Result<std::vector<std::string>> {
         return InvalidArgumentError(
             "predict-partition jobs are made by jobs submit predict ... --partitions N");
       },
       [&globals](JobContext& c) { return RunPredictPartition(c, globals); }}));
  CHURNML_RETURN_IF_ERROR(registry.Add(
      {"evaluate", "churnml evaluate's flags: --model --data [--threshold --out]",
       [&globals](const std::vector<std::string>& args) { return PrepareEvaluate(args, globals); },
       [&globals](JobContext& c) { return RunEvaluate(c, globals); }}));
  CHURNML_RETURN_IF_ERROR(registry.Add(
      {"train",
       "churnml train's flags: --data [--model --out --register --alias --experiment, "
       "hyperparameters]; registry writes fenced",
       [&globals](const std::vector<std::string>& args) { return PrepareTrain(args, globals); },
       [&globals](JobContext& c) { return RunTrainJob(c, globals); }}));
  CHURNML_RETURN_IF_ERROR(registry.Add(
      {"drift", "churnml drift's flags: --model --data [--html --thresholds --psi --alpha --share]",
       [&globals](const std::vector<std::string>& args) -> Result<std::vector<std::string>> {
         CHURNML_ASSIGN_OR_RETURN(auto f, ParseDrift(args, globals));
         (void)f;
         return AbsoluteModelDir(AbsolutePaths(args, {"--data", "--html", "--thresholds"}));
       },
       [&globals](JobContext& c) { return RunDriftJob(c, globals); }}));
  CHURNML_RETURN_IF_ERROR(registry.Add(
      {"report", "churnml report's flags: --model --data --out [--importance-rows, drift rules]",
       [&globals](const std::vector<std::string>& args) -> Result<std::vector<std::string>> {
         CHURNML_ASSIGN_OR_RETURN(auto f, ParseReport(args, globals));
         (void)f;
         return AbsoluteModelDir(
             AbsolutePaths(args, {"--data", "--out", "--output", "--thresholds"}));
       },
       [&globals](JobContext& c) { return RunReportJob(c, globals); }}));
  CHURNML_RETURN_IF_ERROR(registry.Add(
      {"retrain",
       "churnml retrain's flags: --model NAME@ALIAS --data [--holdout --dry-run --if-drift "
       "--cooldown, gate]; alias moves fenced",
       [&globals](const std::vector<std::string>& args) -> Result<std::vector<std::string>> {
         CHURNML_ASSIGN_OR_RETURN(auto f, ParseRetrain(args, globals));
         (void)f;
         return AbsolutePaths(args, {"--data", "--holdout", "--drift-thresholds"});
       },
       [&globals](JobContext& c) { return RunRetrainJob(c, globals); }}));
  return Status::Ok();
}

}  // namespace churnml::cli
