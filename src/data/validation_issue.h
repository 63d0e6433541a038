// One problem found in a data file or record, and a bounded collection of
// them. Rule ids are stable (scripts and `data validate --json` read them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace churnml {

// Stable rule ids.
namespace rule {
inline constexpr std::string_view kHeader = "header";
inline constexpr std::string_view kColumnCount = "column_count";
inline constexpr std::string_view kType = "type";
inline constexpr std::string_view kRange = "range";
inline constexpr std::string_view kCategory = "category";
inline constexpr std::string_view kMissing = "missing";
inline constexpr std::string_view kDuplicateId = "duplicate_id";
inline constexpr std::string_view kTarget = "target";
}  // namespace rule

// How much of an offending value an issue keeps (ValidationIssue::value):
// kept issues stay small whatever the input (a field may be megabytes).
inline constexpr size_t kMaxIssueValueBytes = 1024;

struct ValidationIssue {
  int64_t row = 0;      // 1-based data row (first record after the header is 1); header is 0
  std::string column;   // column name; empty for whole-row problems
  std::string value;    // the offending text as read, cut to kMaxIssueValueBytes ("…")
  std::string rule;     // one of the rule ids above
  std::string message;  // e.g. row 1,204, column "tenure": "abc" is not an integer
                        // (text quoted from the input is cut to 80 bytes)

  bool operator==(const ValidationIssue&) const = default;
};

// Collects issues up to a limit and counts all of them. Not thread-safe:
// use one per worker and merge in order.
class IssueList {
 public:
  explicit IssueList(int64_t max_kept = 1000) : max_kept_(max_kept) {}

  void Add(ValidationIssue issue);
  // Appends `other`'s issues with `row_offset` added to their (nonzero) rows.
  void Merge(const IssueList& other, int64_t row_offset);

  // Counts `n` more issues that were seen but not kept.
  void CountUnkept(int64_t n) { count_ += n; }

  const std::vector<ValidationIssue>& issues() const { return issues_; }
  // All issues seen, kept or not.
  int64_t count() const { return count_; }
  bool truncated() const { return count_ > static_cast<int64_t>(issues_.size()); }
  int64_t max_kept() const { return max_kept_; }

 private:
  int64_t max_kept_;
  int64_t count_ = 0;
  std::vector<ValidationIssue> issues_;
};

// "row 1,204, column "tenure": " — the prefix every row message starts with.
std::string RowColumnPrefix(int64_t row, std::string_view column);

}  // namespace churnml
