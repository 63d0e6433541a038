#include "data/csv_loader.h"

#include <algorithm>
#include <functional>
#include <thread>

#include "common/strings.h"
#include "data/csv_chunk_parser.h"
#include "data/ordered_chunk_parser.h"

namespace churnml {

int64_t IdRegistry::Insert(std::string_view id, int64_t row) {
  if ((used_ + 1) * 4 > slots_.size() * 3) Grow();
  const uint64_t hash = std::hash<std::string_view>()(id);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.row == 0) {
      slot = Slot{hash, arena_.size(), id.size(), row};
      arena_.append(id);
      ++used_;
      return 0;
    }
    if (slot.hash == hash && std::string_view(arena_).substr(slot.offset, slot.size) == id) {
      return slot.row;
    }
  }
}

void IdRegistry::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.row == 0) continue;
    size_t i = s.hash & mask;
    while (slots_[i].row != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

namespace {

constexpr int kIssuesInFailure = 3;

Status FailureFromIssues(const std::string& source, const IssueList& issues) {
  std::string msg = source + ": " + FormatCount(issues.count()) +
                    (issues.count() == 1 ? " problem" : " problems") + " found: ";
  const std::vector<ValidationIssue>& list = issues.issues();
  for (size_t i = 0; i < list.size() && i < static_cast<size_t>(kIssuesInFailure); ++i) {
    if (i > 0) msg += "; ";
    msg += list[i].message;
  }
  if (issues.count() > kIssuesInFailure) msg += "; ...";
  return InvalidArgumentError(msg);
}

// Moves duplicate-id rows of `chunk` out of its dataset into issues.
void CheckDuplicateIds(const Schema& schema, IdRegistry* ids, ChunkParseResult* chunk) {
  if (!schema.id_index()) return;
  const std::string& id_column = schema.column(*schema.id_index()).name;
  const Dataset& rows = chunk->rows;
  std::vector<size_t> keep;
  keep.reserve(rows.num_rows());
  std::vector<ValidationIssue> dups;
  for (size_t r = 0; r < rows.num_rows(); ++r) {
    const int64_t row = rows.source_rows()[r];
    const int64_t first = ids->Insert(rows.ids()[r], row);
    if (first == 0) {
      keep.push_back(r);
      continue;
    }
    dups.push_back(ValidationIssue{row, id_column, rows.ids()[r], std::string(rule::kDuplicateId),
                                   RowColumnPrefix(row, id_column) + "\"" + rows.ids()[r] +
                                       "\" repeats the id of row " + FormatCount(first)});
  }
  if (dups.empty()) return;
  chunk->rows = rows.Select(keep);
  chunk->invalid += static_cast<int64_t>(dups.size());
  // Keep issues in row order.
  std::vector<ValidationIssue> all = chunk->issues.issues();
  int64_t others = chunk->issues.count() - static_cast<int64_t>(all.size());
  all.insert(all.end(), dups.begin(), dups.end());
  std::stable_sort(all.begin(), all.end(), [](const ValidationIssue& a, const ValidationIssue& b) {
    return a.row < b.row;
  });
  IssueList merged(chunk->issues.max_kept());
  for (ValidationIssue& issue : all) merged.Add(std::move(issue));
  merged.CountUnkept(others);
  chunk->issues = std::move(merged);
}

}  // namespace

Result<LoadResult> LoadCsv(CsvChunkReader& reader, const Schema& schema,
                           const LoadOptions& options) {
  const std::string& source = reader.source_name();
  LoadResult result{Dataset(schema), IssueList(options.max_issues), 0, 0, 0};
  CHURNML_ASSIGN_OR_RETURN(std::vector<std::string> header, reader.ReadHeader());
  Result<RowConverter> converter =
      RowConverter::Bind(schema, header, options.target, &result.issues);
  if (!converter.ok()) {
    if (options.invalid_rows == InvalidRowPolicy::kFail) {
      return converter.status().WithContext(source);
    }
    return result;
  }
  IdRegistry ids;
  OrderedParseOptions parse_options;
  parse_options.max_issues = options.max_issues;
  parse_options.threads = options.threads > 0
                              ? options.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto consume = [&](ChunkParseResult& parsed) -> Status {
    CheckDuplicateIds(schema, &ids, &parsed);
    result.rows_read += parsed.records;
    result.rows_dropped += parsed.invalid;
    result.rows_kept += static_cast<int64_t>(parsed.rows.num_rows());
    result.issues.Merge(parsed.issues, 0);
    if (options.invalid_rows == InvalidRowPolicy::kFail && result.issues.count() > 0) {
      return Status::Ok();  // keep counting, stop keeping rows
    }
    if (options.storage == RowStorage::kKeep) {
      if (result.dataset.num_rows() == 0) {
        result.dataset = std::move(parsed.rows);
      } else {
        CHURNML_RETURN_IF_ERROR(result.dataset.Append(parsed.rows));
      }
    }
    return Status::Ok();
  };
  CHURNML_RETURN_IF_ERROR(ParseChunksInOrder(reader, *converter, parse_options, consume));
  if (options.invalid_rows == InvalidRowPolicy::kFail && result.issues.count() > 0) {
    return FailureFromIssues(source, result.issues);
  }
  return result;
}

Result<LoadResult> LoadCsv(const std::string& path, const Schema& schema,
                           const LoadOptions& options) {
  CHURNML_ASSIGN_OR_RETURN(CsvChunkReader reader,
                           CsvChunkReader::Open(path, CsvChunkReaderOptions{options.chunk_bytes,
                                                                       options.max_line_bytes}));
  return LoadCsv(reader, schema, options);
}

}  // namespace churnml
