#include "serving/api/customer_record.h"

#include <optional>
#include <string>

#include "common/strings.h"
#include "data/validation_issue.h"

namespace churnml::serving {

void CustomerRecord::AddError(FieldError error) {
  if (errors.size() < kMaxFieldErrors) {
    errors.push_back(std::move(error));
  } else {
    ++more_errors;
  }
}

std::string_view CustomerId(const Schema& schema, const CustomerRecord& record) {
  const std::optional<size_t> id = schema.id_index();
  if (!id || !record.has_customer_id || *id >= record.fields.size()) return {};
  return record.fields[*id];
}

ApiError InvalidCustomerError(const CustomerRecord& record) {
  // A problem with the whole record (no field name) becomes the message.
  ApiError error{ApiErrorKind::kInvalidCustomer, "invalid customer", {}};
  for (const FieldError& e : record.errors) {
    if (e.field.empty()) {
      error.message = e.message;
    } else {
      error.fields.push_back(e);
    }
  }
  error.more_fields = record.more_errors;
  return error;
}

void ConvertCustomers(const RowConverter& converter, std::span<CustomerRecord> records,
                      Dataset* out) {
  const Schema& schema = converter.schema();
  const std::optional<size_t> id = schema.id_index();
  std::vector<std::string_view> views(schema.num_columns());
  RowScratch scratch;
  IssueList issues;
  std::string index_text;
  std::optional<Dataset> discard;  // rows of records that already failed decoding
  for (size_t i = 0; i < records.size(); ++i) {
    CustomerRecord& record = records[i];
    // A record that failed decoding is still checked, so the 422 lists every
    // offending field (a type error and a range error together); its row goes
    // to `discard`, and a field already reported is not reported twice.
    const size_t decode_errors = record.errors.size();
    Dataset* target = out;
    // Its list is full: the value checks could only add to the count.
    if (record.more_errors > 0) continue;
    if (decode_errors > 0) {
      // Not an object at all: there are no fields to check.
      bool whole_record = record.fields.size() != views.size();
      for (const FieldError& e : record.errors) whole_record |= e.field.empty();
      if (whole_record) continue;
      if (!discard) discard.emplace(schema);
      discard->Clear();
      target = &*discard;
    }
    if (record.fields.size() != views.size()) {
      record.AddError({"", "record does not match the model's schema"});
      continue;
    }
    for (size_t c = 0; c < views.size(); ++c) views[c] = record.fields[c];
    if (id && !record.has_customer_id) {
      index_text = std::to_string(i);
      views[*id] = index_text;
    }
    const int64_t row = static_cast<int64_t>(i) + 1;
    const size_t before = issues.issues().size();
    if (converter.Convert(views, row, target, &issues, &scratch)) continue;
    for (size_t k = before; k < issues.issues().size(); ++k) {
      const ValidationIssue& issue = issues.issues()[k];
      bool reported = false;
      for (size_t e = 0; e < decode_errors; ++e) reported |= record.errors[e].field == issue.column;
      if (reported) continue;
      std::string message = issue.message;
      const std::string prefix = RowColumnPrefix(issue.row, issue.column);
      if (message.compare(0, prefix.size(), prefix) == 0) message.erase(0, prefix.size());
      record.AddError({issue.column, Abbreviate(message, 2 * kMaxQuotedBytes)});
    }
    if (record.errors.empty()) record.AddError({"", "invalid customer"});
    if (issues.issues().size() > 512) issues = IssueList();
  }
}

ColumnLookup::ColumnLookup(const Schema& schema) {
  for (const ColumnSpec& c : schema.columns()) {
    if (!names_.empty()) expected_names_ += ", ";
    expected_names_ += c.name;
    names_.push_back(c.name);
  }
}

std::optional<size_t> ColumnLookup::Find(std::string_view name, size_t hint) const {
  if (hint < names_.size() && names_[hint] == name) return hint;
  for (size_t c = 0; c < names_.size(); ++c) {
    if (names_[c] == name) return c;
  }
  return std::nullopt;
}

}  // namespace churnml::serving
