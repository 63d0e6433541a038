#include "pipeline/batch_predict.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/atomic_file.h"
#include "common/mutex.h"
#include "common/progress.h"
#include "common/strings.h"
#include "common/suggest.h"
#include "data/csv_chunk_parser.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_writer.h"
#include "data/ordered_chunk_pipeline.h"
#include "data/row_converter.h"

namespace churnml {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One chunk's results, produced by a worker and written in order.
struct ChunkOutput {
  ChunkParseResult parsed;
  std::string scored_csv;  // "id,probability,prediction\n" lines
};

// Appends one output line: the id, the kept fields (quoted as CSV needs),
// the score. Probabilities print in the shortest form that reads back as the
// same double, so scores survive a CSV round trip exactly.
void AppendScoredRow(std::string_view id, std::span<const std::string> kept, double probability,
                     double threshold, std::string* out) {
  AppendCsvField(out, id);
  for (const std::string& field : kept) {
    out->push_back(',');
    AppendCsvField(out, field);
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), probability);
  out->push_back(',');
  out->append(buf, ec == std::errc() ? end : buf);
  out->append(probability >= threshold ? ",1\n" : ",0\n");
}

void AppendRejectRow(const ValidationIssue& issue, std::string* out) {
  out->append(std::to_string(issue.row));
  for (const std::string* field : {&issue.column, &issue.value, &issue.rule, &issue.message}) {
    out->push_back(',');
    AppendCsvField(out, *field);
  }
  out->push_back('\n');
}

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return path != "-" && ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// Parses, validates and scores one chunk on a worker thread, and formats its
// output lines. Scoring goes through ModelArtifact::PredictProba, the same
// call serving makes.
class ChunkScorer {
 public:
  ChunkScorer(const ModelArtifact& artifact, const RowConverter& converter,
              std::vector<size_t> keep_fields, std::string source_name, double threshold)
      : artifact_(artifact),
        converter_(converter),
        keep_fields_(std::move(keep_fields)),
        source_name_(std::move(source_name)),
        threshold_(threshold) {
    parse_options_.max_issues = int64_t{1} << 40;  // every reject is written out
    parse_options_.keep_fields = keep_fields_;
  }

  Result<ChunkOutput> Score(CsvChunk& chunk) CHURNML_EXCLUDES(mu_) {
    ChunkOutput out;
    auto stage = Clock::now();
    CHURNML_ASSIGN_OR_RETURN(out.parsed,
                             ParseCsvChunk(chunk, converter_, source_name_, parse_options_));
    const double parse = SecondsSince(stage);
    stage = Clock::now();
    const Dataset& rows = out.parsed.rows;
    std::vector<double> probabilities;
    CHURNML_RETURN_IF_ERROR(artifact_.PredictProba(rows, &probabilities));
    const double score = SecondsSince(stage);
    stage = Clock::now();
    const size_t keep = keep_fields_.size();
    out.scored_csv.reserve(rows.num_rows() * (40 + 16 * keep));
    const std::vector<std::string>& kept = out.parsed.kept;
    for (size_t i = 0; i < rows.num_rows(); ++i) {
      AppendScoredRow(rows.ids()[i], std::span<const std::string>(kept).subspan(i * keep, keep),
                      probabilities[i], threshold_, &out.scored_csv);
    }
    const double encode = SecondsSince(stage);
    MutexLock lock(&mu_);
    times_.parse += parse;
    times_.score += score;
    times_.encode += encode;
    return out;
  }

  // The stage sums so far (parse, score, encode).
  PredictStageTimes times() const CHURNML_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return times_;
  }

 private:
  const ModelArtifact& artifact_;
  const RowConverter& converter_;
  const std::vector<size_t> keep_fields_;  // header fields copied to the output
  const std::string source_name_;
  const double threshold_;
  ChunkParseOptions parse_options_;
  mutable Mutex mu_;
  PredictStageTimes times_ CHURNML_GUARDED_BY(mu_);
};

// Writes one scored chunk and its rejects, in input order (the sink).
Status WriteChunk(ChunkOutput& item, int64_t* base_row, AtomicFileWriter& output,
                  AtomicFileWriter& rejects, PredictReport* report) {
  const auto stage = Clock::now();
  RebaseRows(&item.parsed, *base_row);
  *base_row += item.parsed.records;
  report->rows_read += item.parsed.records;
  report->rows_scored += static_cast<int64_t>(item.parsed.rows.num_rows());
  report->rows_rejected += item.parsed.invalid;
  CHURNML_RETURN_IF_ERROR(output.Write(item.scored_csv));
  if (!item.parsed.issues.issues().empty()) {
    std::string reject_text;
    for (const ValidationIssue& issue : item.parsed.issues.issues()) {
      AppendRejectRow(issue, &reject_text);
    }
    CHURNML_RETURN_IF_ERROR(rejects.Write(reject_text));
  }
  report->stages.write += SecondsSince(stage);
  return Status::Ok();
}

// Headers wider than this get no "did you mean" (edit distances to every name).
constexpr size_t kMaxSuggestedHeader = 10000;

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Header field index of each --keep-columns name, except the id column
// (always written). `names` gets the output column names, in order. Hash
// lookups: a hostile header or list (millions of names) costs linear time.
Result<std::vector<size_t>> ResolveKeepColumns(const std::vector<std::string>& keep,
                                               const std::vector<std::string>& header,
                                               const std::string& id_name,
                                               const std::string& source,
                                               std::vector<std::string>* names) {
  if (keep.empty()) return std::vector<size_t>{};
  std::unordered_map<std::string_view, size_t> field_of;
  for (size_t f = 0; f < header.size(); ++f) field_of.emplace(TrimBlanks(header[f]), f);
  std::unordered_set<std::string_view> seen;
  std::vector<size_t> fields;
  for (const std::string& name : keep) {
    const std::string quoted = "\"" + Abbreviate(name) + "\"";
    if (name == "probability" || name == "prediction") {
      return InvalidArgumentError("--keep-columns: " + quoted +
                                  " is a column predict writes; rename it in the input");
    }
    if (!seen.insert(name).second) {
      return InvalidArgumentError("--keep-columns: " + quoted + " is named twice");
    }
    auto it = field_of.find(name);
    if (it == field_of.end()) {
      std::optional<std::string> meant;
      if (header.size() <= kMaxSuggestedHeader) {
        std::vector<std::string> candidates;
        for (const std::string& h : header) candidates.emplace_back(TrimBlanks(h));
        meant = ClosestMatch(name, candidates);
      }
      return InvalidArgumentError("--keep-columns: no column " + quoted + " in " + source +
                                  (meant ? "; did you mean \"" + Abbreviate(*meant) + "\"?" : ""));
    }
    if (name == id_name) continue;  // already the first output column
    fields.push_back(it->second);
    names->push_back(name);
  }
  return fields;
}

}  // namespace

std::string PredictReport::SlowestStage() const {
  std::pair<double, const char*> stages_by_time[] = {{stages.parse, "parse"},
                                                     {stages.score, "score"},
                                                     {stages.encode, "encode"},
                                                     {stages.write, "write"}};
  auto* best = &stages_by_time[0];
  for (auto& s : stages_by_time) {
    if (s.first > best->first) best = &s;
  }
  return best->second;
}

Status PredictBatch(const ModelArtifact& artifact, const PredictOptions& options,
                    PredictReport* report) {
  const auto start = Clock::now();
  if (options.output_path.empty()) return InvalidArgumentError("--output is required");
  // "-" is standard output, written in place like any device.
  const bool to_stdout = options.output_path == "-";
  report->output_path = to_stdout ? fs::path("standard output") : options.output_path;
  if (!options.rejects_path.empty()) {
    report->rejects_path = options.rejects_path;
  } else {
    report->rejects_path = to_stdout ? fs::path("rejects.csv")
                                     : fs::path(options.output_path.string() + ".rejects.csv");
  }
  std::error_code ec;
  if (!to_stdout && fs::weakly_canonical(report->rejects_path, ec) ==
                        fs::weakly_canonical(options.output_path, ec)) {
    return InvalidArgumentError("--rejects " + report->rejects_path.string() +
                                " is the same file as --output");
  }
  CsvChunkReaderOptions reader_options;
  reader_options.chunk_bytes = options.chunk_bytes;
  reader_options.max_line_bytes = options.max_line_bytes;
  if (options.input_range) {
    reader_options.range_begin = options.input_range->begin;
    reader_options.range_end = options.input_range->end;
    reader_options.range_first_line = options.input_range->first_line;
  }
  CHURNML_ASSIGN_OR_RETURN(CsvChunkReader reader,
                           CsvChunkReader::Open(options.input_path, reader_options));
  CHURNML_ASSIGN_OR_RETURN(std::vector<std::string> header, reader.ReadHeader());
  const Schema& schema = artifact.schema();
  std::string id_name = schema.id_index() ? schema.column(*schema.id_index()).name : "id";
  CHURNML_ASSIGN_OR_RETURN(std::vector<size_t> keep_fields,
                           ResolveKeepColumns(options.keep_columns, header, id_name,
                                              reader.source_name(), &report->kept_columns));
  IssueList header_issues;
  CHURNML_ASSIGN_OR_RETURN(RowConverter converter,
                           RowConverter::Bind(schema, header, TargetPolicy::kIgnore, &header_issues,
                                              report->kept_columns));

  CHURNML_ASSIGN_OR_RETURN(
      AtomicFileWriter output,
      to_stdout ? AtomicFileWriter::ForStdout() : AtomicFileWriter::Create(options.output_path));
  CHURNML_ASSIGN_OR_RETURN(AtomicFileWriter rejects,
                           AtomicFileWriter::Create(report->rejects_path));
  std::string head;
  AppendCsvField(&head, id_name);
  for (const std::string& name : report->kept_columns) {
    head.push_back(',');
    AppendCsvField(&head, name);
  }
  head += ",probability,prediction\n";
  CHURNML_RETURN_IF_ERROR(output.Write(head));
  CHURNML_RETURN_IF_ERROR(rejects.Write("row,column,value,rule,message\n"));

  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (threads < 1) threads = 1;
  report->threads = threads;
  ChunkScorer scorer(artifact, converter, std::move(keep_fields), reader.source_name(),
                     options.threshold.value_or(artifact.threshold()));
  ProgressBar progress("predict", FileSize(options.input_path), ProgressUnit::kBytes);
  ChunkPipelineOptions pipeline_options;
  pipeline_options.threads = threads;
  if (options.show_progress) {
    pipeline_options.on_read = [&progress](int64_t bytes) { progress.Update(bytes); };
  }
  int64_t base_row = 0;
  const std::function<Result<ChunkOutput>(CsvChunk&)> work = [&scorer](CsvChunk& chunk) {
    return scorer.Score(chunk);
  };
  const std::function<Status(ChunkOutput&)> sink = [&](ChunkOutput& item) {
    return WriteChunk(item, &base_row, output, rejects, report);
  };
  CHURNML_RETURN_IF_ERROR(RunChunkPipeline(reader, pipeline_options, work, sink));
  const PredictStageTimes worker_times = scorer.times();
  report->stages.parse = worker_times.parse;
  report->stages.score = worker_times.score;
  report->stages.encode = worker_times.encode;
  // Both files durable before either becomes visible: a write error in one
  // (a full disk, `--rejects /dev/full`) leaves neither under its final name.
  CHURNML_RETURN_IF_ERROR(output.Flush());
  CHURNML_RETURN_IF_ERROR(rejects.Flush());
  CHURNML_RETURN_IF_ERROR(output.Commit());
  CHURNML_RETURN_IF_ERROR(rejects.Commit());
  report->seconds = SecondsSince(start);
  return Status::Ok();
}

}  // namespace churnml
