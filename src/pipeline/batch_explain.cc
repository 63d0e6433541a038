#include "pipeline/batch_explain.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <string_view>
#include <vector>

#include "common/atomic_file.h"
#include "data/csv_chunk_parser.h"
#include "data/csv_writer.h"
#include "data/row_converter.h"
#include "pipeline/explanations.h"

namespace churnml {

namespace {

void AppendNumber(std::string* out, double v) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v);
  out->append(buffer, ec == std::errc() ? end : buffer);
}

// The raw value of schema column `schema_index` in row `r`, as text.
void AppendRawValue(std::string* out, const Dataset& data, size_t schema_index, size_t r) {
  const ColumnData& column = data.column(schema_index);
  if (data.schema().column(schema_index).type == ColumnType::kCategorical) {
    const int32_t code = column.codes[r];
    if (code != kMissingCode) AppendCsvField(out, column.levels[static_cast<size_t>(code)]);
    return;
  }
  if (!std::isnan(column.numbers[r])) AppendNumber(out, column.numbers[r]);
}

}  // namespace

Status ExplainBatch(std::shared_ptr<const ModelArtifact> artifact,
                    const ExplainBatchOptions& options, ExplainBatchReport* report) {
  const auto start = std::chrono::steady_clock::now();
  if (options.top_k == 0) return InvalidArgumentError("--top-k must be at least 1");
  if (options.output_path.empty()) return InvalidArgumentError("--output is required");
  const double threshold = options.threshold.value_or(artifact->threshold());
  CHURNML_ASSIGN_OR_RETURN(Explainer explainer, Explainer::Create(artifact));
  const Schema& schema = artifact->schema();
  // Schema column of every raw feature, for the value columns.
  std::vector<size_t> schema_column;
  for (const std::string& name : explainer.feature_names()) {
    const std::optional<size_t> index = schema.IndexOf(name);
    if (!index) return InternalError("feature \"" + name + "\" is not a schema column");
    schema_column.push_back(*index);
  }
  const size_t k = std::min(options.top_k, explainer.feature_names().size());
  report->top_k = k;

  CsvChunkReaderOptions reader_options;
  reader_options.chunk_bytes = options.chunk_bytes;
  reader_options.max_line_bytes = options.max_line_bytes;
  CHURNML_ASSIGN_OR_RETURN(CsvChunkReader reader,
                           CsvChunkReader::Open(options.input_path, reader_options));
  CHURNML_ASSIGN_OR_RETURN(std::vector<std::string> header, reader.ReadHeader());
  IssueList header_issues;
  CHURNML_ASSIGN_OR_RETURN(
      RowConverter converter,
      RowConverter::Bind(schema, header, TargetPolicy::kIgnore, &header_issues));
  const bool to_stdout = options.output_path == "-";
  report->output_path = to_stdout ? std::filesystem::path("standard output") : options.output_path;
  CHURNML_ASSIGN_OR_RETURN(
      AtomicFileWriter output,
      to_stdout ? AtomicFileWriter::ForStdout() : AtomicFileWriter::Create(options.output_path));

  std::string text;
  AppendCsvField(&text, schema.id_index() ? schema.column(*schema.id_index()).name : "id");
  text += ",probability,prediction,base_value";
  for (size_t i = 1; i <= k; ++i) {
    const std::string n = std::to_string(i);
    text += ",top" + n + "_feature,top" + n + "_value,top" + n + "_contribution";
  }
  text += '\n';
  CHURNML_RETURN_IF_ERROR(output.Write(text));

  ChunkParseOptions parse_options;
  parse_options.max_issues = 1;
  int64_t base_row = 0;
  Explanations e;
  while (true) {
    CHURNML_ASSIGN_OR_RETURN(std::optional<CsvChunk> chunk, reader.Next());
    if (!chunk) break;
    CHURNML_ASSIGN_OR_RETURN(ChunkParseResult parsed,
                             ParseCsvChunk(*chunk, converter, reader.source_name(), parse_options));
    RebaseRows(&parsed, base_row);
    base_row += parsed.records;
    if (!parsed.issues.issues().empty()) {
      return InvalidArgumentError(reader.source_name() + ": " +
                                  parsed.issues.issues().front().message);
    }
    const Dataset& data = parsed.rows;
    CHURNML_RETURN_IF_ERROR(explainer.Explain(data, &e));
    text.clear();
    for (size_t r = 0; r < e.rows; ++r) {
      AppendCsvField(&text, data.ids().empty() ? std::string_view() : data.ids()[r]);
      text += ',';
      AppendNumber(&text, e.probabilities[r]);
      text += e.probabilities[r] >= threshold ? ",1," : ",0,";
      AppendNumber(&text, e.base_values[r]);
      const std::span<const double> row = e.row(r);
      for (size_t feature : TopContributions(row, k)) {
        text += ',';
        AppendCsvField(&text, explainer.feature_names()[feature]);
        text += ',';
        AppendRawValue(&text, data, schema_column[feature], r);
        text += ',';
        AppendNumber(&text, row[feature]);
      }
      text += '\n';
    }
    CHURNML_RETURN_IF_ERROR(output.Write(text));
    report->rows += static_cast<int64_t>(e.rows);
  }
  CHURNML_RETURN_IF_ERROR(output.Flush());
  CHURNML_RETURN_IF_ERROR(output.Commit());
  report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::Ok();
}

}  // namespace churnml
