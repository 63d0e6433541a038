#include "data/validation_issue.h"

#include "common/strings.h"

namespace churnml {

namespace {

// A message is one line of a few quoted values; longer means a quote was
// not cut where it was made.
constexpr size_t kMaxMessageBytes = 4 * kMaxIssueValueBytes;

}  // namespace

void IssueList::Add(ValidationIssue issue) {
  ++count_;
  if (static_cast<int64_t>(issues_.size()) >= max_kept_) return;
  if (issue.value.size() > kMaxIssueValueBytes) {
    issue.value = Abbreviate(issue.value, kMaxIssueValueBytes);
  }
  if (issue.column.size() > kMessageQuoteBytes) issue.column = Abbreviate(issue.column);
  if (issue.message.size() > kMaxMessageBytes) {
    issue.message = Abbreviate(issue.message, kMaxMessageBytes);
  }
  issues_.push_back(std::move(issue));
}

void IssueList::Merge(const IssueList& other, int64_t row_offset) {
  for (const ValidationIssue& issue : other.issues_) {
    if (static_cast<int64_t>(issues_.size()) >= max_kept_) break;
    ValidationIssue moved = issue;
    if (moved.row > 0 && row_offset != 0) {
      // Messages carry the row too: rebuild the prefix with the new number.
      std::string old_prefix = "row " + FormatCount(moved.row);
      moved.row += row_offset;
      if (moved.message.rfind(old_prefix, 0) == 0) {
        moved.message = "row " + FormatCount(moved.row) + moved.message.substr(old_prefix.size());
      }
    }
    issues_.push_back(std::move(moved));
  }
  count_ += other.count_;
}

std::string RowColumnPrefix(int64_t row, std::string_view column) {
  std::string s = "row " + FormatCount(row);
  if (!column.empty()) {
    s += ", column \"";
    s += Abbreviate(column);
    s += "\"";
  }
  s += ": ";
  return s;
}

}  // namespace churnml
