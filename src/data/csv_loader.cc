#include "data/csv_loader.h"

#include <xxhash.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/strings.h"
#include "data/csv_chunk_parser.h"
#include "data/id_hash_set.h"
#include "data/ordered_chunk_parser.h"

namespace churnml {

namespace {

uint64_t IdHash(std::string_view id) { return XXH3_64bits(id.data(), id.size()); }

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t ReadVarint(const char** p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(*(*p)++);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
}

constexpr uint64_t kPositionMask = (uint64_t{1} << 48) - 1;

}  // namespace

size_t IdRegistry::SlotOf(uint64_t hash) const {
  // Multiply-shift maps the hash onto any table size, not just powers of two.
  __extension__ using U128 = unsigned __int128;  // __extension__: no -Wpedantic noise
  return static_cast<size_t>((static_cast<U128>(hash) * slots_.size()) >> 64);
}

IdRegistry::Entry IdRegistry::EntryAt(uint64_t position) const {
  const std::string& block = blocks_[position >> 24];
  const char* p = block.data() + (position & 0xFFFFFF);
  Entry e;
  e.row = static_cast<int64_t>(ReadVarint(&p));
  const uint64_t size = ReadVarint(&p);
  e.id = std::string_view(p, size);
  return e;
}

uint64_t IdRegistry::AddEntry(std::string_view id, int64_t row) {
  // An entry never spans blocks; one longer than a block gets its own.
  const size_t need = id.size() + 20;
  if (blocks_.empty() || blocks_.back().size() + need > kBlockBytes) {
    blocks_.emplace_back();
    blocks_.back().reserve(std::max(kBlockBytes, need));
  }
  std::string& block = blocks_.back();
  const uint64_t position = (static_cast<uint64_t>(blocks_.size() - 1) << 24) | block.size();
  AppendVarint(&block, static_cast<uint64_t>(row));
  AppendVarint(&block, id.size());
  block.append(id);
  return position;
}

int64_t IdRegistry::Insert(std::string_view id, int64_t row) {
  if ((used_ + 1) * 5 > slots_.size() * 4) Grow();
  const uint64_t hash = IdHash(id);
  const uint64_t tag = hash & 0xFFFF;  // SlotOf uses the high bits
  for (size_t i = SlotOf(hash);; i = i + 1 == slots_.size() ? 0 : i + 1) {
    const uint64_t slot = slots_[i];
    if (slot == 0) {
      slots_[i] = (tag << kPositionBits) | (AddEntry(id, row) + 1);
      ++used_;
      return 0;
    }
    if ((slot >> kPositionBits) != tag) continue;
    const Entry e = EntryAt((slot & kPositionMask) - 1);
    if (e.id == id) return e.row;  // the exact re-check
  }
}

void IdRegistry::Grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() + old.size() / 2, 0);
  for (const uint64_t slot : old) {
    if (slot == 0) continue;
    const uint64_t hash = IdHash(EntryAt((slot & kPositionMask) - 1).id);
    size_t i = SlotOf(hash);
    while (slots_[i] != 0) i = i + 1 == slots_.size() ? 0 : i + 1;
    slots_[i] = slot;
  }
}

size_t IdRegistry::memory_bytes() const {
  size_t bytes = slots_.capacity() * sizeof(uint64_t);
  for (const std::string& b : blocks_) bytes += b.capacity();
  return bytes;
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

// Adds `extra` to `list`, keeping the kept issues in row order.
void AddInRowOrder(IssueList* list, std::vector<ValidationIssue> extra) {
  if (extra.empty()) return;
  std::stable_sort(
      extra.begin(), extra.end(),
      [](const ValidationIssue& a, const ValidationIssue& b) { return a.row < b.row; });
  if (list->issues().empty() || list->issues().back().row <= extra.front().row) {
    // All after the kept ones (or none kept): append, no copy of the list
    // (past max_kept, Add only counts).
    for (ValidationIssue& issue : extra) list->Add(std::move(issue));
    return;
  }
  std::vector<ValidationIssue> all = list->issues();
  const int64_t others = list->count() - static_cast<int64_t>(all.size());
  all.insert(all.end(), std::make_move_iterator(extra.begin()),
             std::make_move_iterator(extra.end()));
  std::stable_sort(all.begin(), all.end(), [](const ValidationIssue& a, const ValidationIssue& b) {
    return a.row < b.row;
  });
  IssueList merged(list->max_kept());
  for (ValidationIssue& issue : all) merged.Add(std::move(issue));
  merged.CountUnkept(others);
  *list = std::move(merged);
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
  AddInRowOrder(&chunk->issues, std::move(dups));
}

// The compact duplicate check (`data validate` on a file): ids are hashed
// into an IdHashSet; an equal hash makes the row a candidate, kept with its
// id until a pass over the file fetches the ids of the first rows involved
// and decides exactly.
class CompactDuplicateCheck {
 public:
  CompactDuplicateCheck(std::string path, const Schema& schema, const RowConverter& converter,
                        const OrderedParseOptions& parse_options, const LoadOptions& options)
      : path_(std::move(path)),
        schema_(schema),
        converter_(converter),
        parse_options_(parse_options),
        options_(options),
        set_(options.id_hash) {}

  // Hashes the ids of `rows` (`records` records of the file); may run a
  // re-reading pass when many candidates are pending. The first chunk sizes
  // the set for the whole file (it holds about chunk_bytes bytes).
  Status Add(const Dataset& rows, int64_t records, LoadResult* result) {
    if (!sized_ && records > 0) {
      sized_ = true;
      std::error_code ec;
      const uintmax_t file_bytes = std::filesystem::file_size(path_, ec);
      if (!ec && file_bytes > 0) {
        const double chunk =
            static_cast<double>(std::min<uintmax_t>(file_bytes, options_.chunk_bytes));
        const double estimate =
            static_cast<double>(records) / chunk * static_cast<double>(file_bytes) * 1.02 + 1024;
        // Bounded (16M ids, 240 MB): past that, or when the estimate is
        // low, the set grows by doubling.
        set_.Reserve(static_cast<size_t>(std::min(estimate, 16e6)));
      }
    }
    for (size_t r = 0; r < rows.num_rows(); ++r) {
      const std::string& id = rows.ids()[r];
      const int64_t row = rows.source_rows()[r];
      const uint64_t hash = set_.Hash(id);
      CHURNML_ASSIGN_OR_RETURN(const int64_t first, set_.Insert(hash, row));
      if (first == 0) continue;
      pending_bytes_ += id.size() + sizeof(Candidate);
      pending_.push_back(Candidate{row, first, hash, id});
    }
    if (pending_.size() >= kMaxPending || pending_bytes_ >= kMaxPendingBytes) {
      return Resolve(result);
    }
    return Status::Ok();
  }

  // Decides every pending candidate: duplicates become issues (in row order)
  // and leave the kept count.
  Status Resolve(LoadResult* result) {
    if (pending_.empty()) return Status::Ok();
    std::vector<int64_t> wanted;
    wanted.reserve(pending_.size());
    for (const Candidate& c : pending_) wanted.push_back(c.first);
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    std::vector<std::string> first_ids(wanted.size());
    std::vector<bool> found(wanted.size(), false);
    size_t found_count = 0;
    CHURNML_ASSIGN_OR_RETURN(
        CsvChunkReader reader,
        CsvChunkReader::Open(path_,
                             CsvChunkReaderOptions{options_.chunk_bytes, options_.max_line_bytes}));
    CHURNML_RETURN_IF_ERROR(reader.ReadHeader().status());
    auto collect = [&](ChunkParseResult& parsed) -> Status {
      const Dataset& rows = parsed.rows;
      for (size_t r = 0; r < rows.num_rows(); ++r) {
        const auto it = std::lower_bound(wanted.begin(), wanted.end(), rows.source_rows()[r]);
        if (it == wanted.end() || *it != rows.source_rows()[r]) continue;
        const auto k = static_cast<size_t>(it - wanted.begin());
        if (!found[k]) ++found_count;
        first_ids[k] = rows.ids()[r];
        found[k] = true;
      }
      // Stop reading once every wanted row was seen (repeats of early rows
      // then cost a pass over the start of the file only).
      if (found_count == wanted.size()) return FailedPreconditionError("all rows found");
      return Status::Ok();
    };
    Status pass = ParseChunksInOrder(reader, converter_, parse_options_, collect);
    if (!pass.ok() && found_count != wanted.size()) return pass;
    const std::string& id_column = schema_.column(*schema_.id_index()).name;
    std::vector<ValidationIssue> dups;
    for (Candidate& c : pending_) {
      const auto k = static_cast<size_t>(std::lower_bound(wanted.begin(), wanted.end(), c.first) -
                                         wanted.begin());
      if (!found[k]) {
        return FailedPreconditionError(
            path_ + ": row " + FormatCount(c.first) +
            " is no longer a valid row: the file changed during validation");
      }
      int64_t original = 0;
      if (first_ids[k] == c.id) {
        original = c.first;
      } else {
        // Not the first id with this hash: maybe one of the later distinct
        // ids that share it (a true hash collision).
        std::vector<Distinct>& others = collisions_[c.hash];
        for (const Distinct& d : others) {
          if (d.id == c.id) {
            original = d.row;
            break;
          }
        }
        if (original == 0) {
          others.push_back(Distinct{c.row, std::move(c.id)});
          continue;
        }
      }
      dups.push_back(ValidationIssue{c.row, id_column, c.id, std::string(rule::kDuplicateId),
                                     RowColumnPrefix(c.row, id_column) + "\"" + c.id +
                                         "\" repeats the id of row " + FormatCount(original)});
    }
    pending_.clear();
    pending_bytes_ = 0;
    const auto n = static_cast<int64_t>(dups.size());
    result->rows_dropped += n;
    result->rows_kept -= n;
    AddInRowOrder(&result->issues, std::move(dups));
    return Status::Ok();
  }

 private:
  static constexpr size_t kMaxPending = size_t{1} << 14;
  static constexpr size_t kMaxPendingBytes = size_t{2} << 20;
  struct Candidate {
    int64_t row;
    int64_t first;
    uint64_t hash;
    std::string id;
  };
  struct Distinct {
    int64_t row;
    std::string id;
  };

  std::string path_;
  const Schema& schema_;
  const RowConverter& converter_;
  OrderedParseOptions parse_options_;
  const LoadOptions& options_;
  IdHashSet set_;
  bool sized_ = false;
  std::vector<Candidate> pending_;
  size_t pending_bytes_ = 0;
  // Distinct ids whose hash equals an earlier, different id's: exact, tiny.
  std::unordered_map<uint64_t, std::vector<Distinct>> collisions_;
};

// `reread_path`: the file `reader` reads, when it can be read again (the
// compact duplicate check); empty otherwise.
Result<LoadResult> LoadCsvFrom(CsvChunkReader& reader, const Schema& schema,
                               const LoadOptions& options, const std::string& reread_path) {
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
  std::optional<CompactDuplicateCheck> compact;
  if (!reread_path.empty() && schema.id_index() && options.storage == RowStorage::kDiscard &&
      !options.on_rows) {
    compact.emplace(reread_path, schema, *converter, parse_options, options);
  }
  auto consume = [&](ChunkParseResult& parsed) -> Status {
    if (compact) {
      CHURNML_RETURN_IF_ERROR(compact->Add(parsed.rows, parsed.records, &result));
    } else {
      CheckDuplicateIds(schema, &ids, &parsed);
    }
    result.rows_read += parsed.records;
    result.rows_dropped += parsed.invalid;
    result.rows_kept += static_cast<int64_t>(parsed.rows.num_rows());
    result.issues.Merge(parsed.issues, 0);
    if (options.invalid_rows == InvalidRowPolicy::kFail && result.issues.count() > 0) {
      return Status::Ok();  // keep counting, stop keeping rows
    }
    if (options.on_rows) CHURNML_RETURN_IF_ERROR(options.on_rows(parsed.rows));
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
  if (compact) CHURNML_RETURN_IF_ERROR(compact->Resolve(&result));
  if (options.invalid_rows == InvalidRowPolicy::kFail && result.issues.count() > 0) {
    return FailureFromIssues(source, result.issues);
  }
  return result;
}

}  // namespace

Result<LoadResult> LoadCsv(CsvChunkReader& reader, const Schema& schema,
                           const LoadOptions& options) {
  return LoadCsvFrom(reader, schema, options, std::string());
}

Result<LoadResult> LoadCsv(const std::string& path, const Schema& schema,
                           const LoadOptions& options) {
  CHURNML_ASSIGN_OR_RETURN(
      CsvChunkReader reader,
      CsvChunkReader::Open(path,
                           CsvChunkReaderOptions{options.chunk_bytes, options.max_line_bytes}));
  return LoadCsvFrom(reader, schema, options, path == "-" ? std::string() : path);
}

}  // namespace churnml
