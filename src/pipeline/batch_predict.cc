#include "pipeline/batch_predict.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/atomic_file.h"
#include "common/progress.h"
#include "common/strings.h"
#include "common/suggest.h"
#include "data/csv_chunk_parser.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_writer.h"
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

// The shared state of the reader, the workers and the writer.
class PredictRun {
 public:
  PredictRun(const ModelArtifact& artifact, const RowConverter& converter,
             const PredictOptions& options, std::vector<size_t> keep_fields, CsvChunkReader& reader,
             double threshold, int threads)
      : artifact_(artifact),
        converter_(converter),
        options_(options),
        keep_fields_(std::move(keep_fields)),
        reader_(reader),
        threshold_(threshold),
        threads_(threads),
        max_in_flight_(2 * threads) {}

  // Runs everything; writes to `output` and `rejects` in input order.
  Status Run(AtomicFileWriter& output, AtomicFileWriter& rejects, PredictReport* report) {
    std::thread reader_thread([this] { ReadLoop(); });
    std::vector<std::thread> workers;
    for (int i = 0; i < threads_; ++i) workers.emplace_back([this] { WorkLoop(); });
    Status status = WriteLoop(output, rejects, report);
    if (!status.ok()) Fail(status);
    reader_thread.join();
    for (auto& w : workers) w.join();
    report->stages.parse = parse_seconds_;
    report->stages.features = features_seconds_;
    report->stages.predict = predict_seconds_;
    report->stages.encode = encode_seconds_;
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  void Fail(const Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) error_ = status;
    cv_.notify_all();
  }

  void ReadLoop() {
    ProgressBar progress("predict", FileSize(options_.input_path), ProgressUnit::kBytes);
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !error_.ok() || in_flight_ < max_in_flight_; });
        if (!error_.ok()) return;
      }
      Result<std::optional<CsvChunk>> next = reader_.Next();
      if (options_.show_progress) progress.Update(reader_.bytes_read());
      std::lock_guard<std::mutex> lock(mu_);
      if (!next.ok()) {
        if (error_.ok()) error_ = next.status();
        cv_.notify_all();
        return;
      }
      if (!next->has_value()) {
        reader_done_ = true;
        cv_.notify_all();
        return;
      }
      queue_.push_back(std::move(**next));
      ++chunks_read_;
      ++in_flight_;
      cv_.notify_all();
    }
  }

  void WorkLoop() {
    ChunkParseOptions parse_options;
    parse_options.max_issues = int64_t{1} << 40;  // every reject is written out
    parse_options.keep_fields = keep_fields_;
    std::vector<double> probabilities;
    while (true) {
      CsvChunk chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !error_.ok() || !queue_.empty() || reader_done_; });
        if (!error_.ok() || queue_.empty()) return;
        chunk = std::move(queue_.front());
        queue_.pop_front();
      }
      Result<ChunkOutput> out = Process(chunk, parse_options, &probabilities);
      std::lock_guard<std::mutex> lock(mu_);
      if (!out.ok()) {
        if (error_.ok()) error_ = out.status();
      } else {
        done_.emplace(chunk.index, std::move(*out));
      }
      cv_.notify_all();
    }
  }

  Result<ChunkOutput> Process(CsvChunk& chunk, const ChunkParseOptions& parse_options,
                              std::vector<double>* probabilities) {
    ChunkOutput out;
    auto stage = Clock::now();
    CHURNML_ASSIGN_OR_RETURN(
        out.parsed, ParseCsvChunk(chunk, converter_, reader_.source_name(), parse_options));
    double parse = SecondsSince(stage);
    stage = Clock::now();
    const Dataset& rows = out.parsed.rows;
    CHURNML_ASSIGN_OR_RETURN(FeatureMatrix x, artifact_.preprocessor().Transform(rows));
    double features = SecondsSince(stage);
    stage = Clock::now();
    probabilities->resize(x.rows());
    CHURNML_RETURN_IF_ERROR(artifact_.model().PredictProba(x, *probabilities));
    double predict = SecondsSince(stage);
    stage = Clock::now();
    const size_t keep = keep_fields_.size();
    out.scored_csv.reserve(rows.num_rows() * (40 + 16 * keep));
    const std::vector<std::string>& kept = out.parsed.kept;
    for (size_t i = 0; i < rows.num_rows(); ++i) {
      AppendScoredRow(rows.ids()[i], std::span<const std::string>(kept).subspan(i * keep, keep),
                      (*probabilities)[i], threshold_, &out.scored_csv);
    }
    double encode = SecondsSince(stage);
    std::lock_guard<std::mutex> lock(mu_);
    parse_seconds_ += parse;
    features_seconds_ += features;
    predict_seconds_ += predict;
    encode_seconds_ += encode;
    return out;
  }

  Status WriteLoop(AtomicFileWriter& output, AtomicFileWriter& rejects, PredictReport* report) {
    int64_t next_index = 0;
    int64_t base_row = 0;
    std::string reject_text;
    while (true) {
      ChunkOutput item;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] {
          return !error_.ok() || done_.count(next_index) > 0 ||
                 (reader_done_ && next_index == chunks_read_);
        });
        if (!error_.ok()) return Status::Ok();  // Run() returns the error
        if (reader_done_ && next_index == chunks_read_) break;
        auto it = done_.find(next_index);
        item = std::move(it->second);
        done_.erase(it);
      }
      auto stage = Clock::now();
      RebaseRows(&item.parsed, base_row);
      base_row += item.parsed.records;
      report->rows_read += item.parsed.records;
      report->rows_scored += static_cast<int64_t>(item.parsed.rows.num_rows());
      report->rows_rejected += item.parsed.invalid;
      CHURNML_RETURN_IF_ERROR(output.Write(item.scored_csv));
      if (!item.parsed.issues.issues().empty()) {
        reject_text.clear();
        for (const ValidationIssue& issue : item.parsed.issues.issues()) {
          AppendRejectRow(issue, &reject_text);
        }
        CHURNML_RETURN_IF_ERROR(rejects.Write(reject_text));
      }
      report->stages.write += SecondsSince(stage);
      std::lock_guard<std::mutex> lock(mu_);
      ++next_index;
      --in_flight_;
      cv_.notify_all();
    }
    return Status::Ok();
  }

  const ModelArtifact& artifact_;
  const RowConverter& converter_;
  const PredictOptions& options_;
  const std::vector<size_t> keep_fields_;  // header fields copied to the output
  CsvChunkReader& reader_;  // used by the reader thread only
  const double threshold_;
  const int threads_;
  const int64_t max_in_flight_;

  std::mutex mu_;
  std::condition_variable cv_;           // any change of the state below
  Status error_;                         // guarded by mu_: the first failure
  std::deque<CsvChunk> queue_;           // guarded by mu_: read, not yet taken by a worker
  std::map<int64_t, ChunkOutput> done_;  // guarded by mu_: processed, not yet written
  int64_t in_flight_ = 0;                // guarded by mu_: read but not yet written
  int64_t chunks_read_ = 0;              // guarded by mu_
  bool reader_done_ = false;             // guarded by mu_
  double parse_seconds_ = 0;             // guarded by mu_ (the four stage sums)
  double features_seconds_ = 0;
  double predict_seconds_ = 0;
  double encode_seconds_ = 0;
};

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
                                                     {stages.features, "features"},
                                                     {stages.predict, "predict"},
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
  if (!to_stdout &&
      fs::weakly_canonical(report->rejects_path, ec) == fs::weakly_canonical(options.output_path, ec)) {
    return InvalidArgumentError("--rejects " + report->rejects_path.string() +
                                " is the same file as --output");
  }
  CsvChunkReaderOptions reader_options;
  reader_options.chunk_bytes = options.chunk_bytes;
  reader_options.max_line_bytes = options.max_line_bytes;
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
  PredictRun run(artifact, converter, options, std::move(keep_fields), reader,
                 options.threshold.value_or(artifact.threshold()), threads);
  CHURNML_RETURN_IF_ERROR(run.Run(output, rejects, report));
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
