#include "serving/api/customer_record.h"

#include <optional>
#include <string>

namespace churnml::serving {

void CustomerRecord::AddError(FieldError error) {
  if (errors.size() < kMaxFieldErrors) {
    errors.push_back(std::move(error));
  } else {
    ++more_errors;
  }
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
