// One customer as the request decoders report it: its id and every problem
// the decoder found. The customer's values themselves are never kept here:
// a valid customer is decoded straight into a row of the request's Dataset
// (column_decoder.h), so a record says only who the row is and what was
// wrong with the ones that did not make it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/schema.h"
#include "serving/api/api_error.h"

namespace churnml::serving {

struct CustomerRecord {
  // The request's customerID; "" when it sent none (or "", which counts as
  // absent).
  std::string customer_id;
  bool has_customer_id = false;
  // The first kMaxFieldErrors problems with this customer, in request
  // order (missing fields last, in schema order). Empty when the customer
  // is a row of the Dataset.
  std::vector<FieldError> errors;
  // Problems found beyond the first kMaxFieldErrors (counted, not kept).
  size_t more_errors = 0;

  bool ok() const { return errors.empty(); }
  // Keeps `error` while fewer than kMaxFieldErrors are kept, else counts it.
  void AddError(FieldError error);
};

// The 422 error for a record with errors: "invalid customer" and its
// fields (a problem with the whole record, e.g. not an object, becomes the
// message instead).
ApiError InvalidCustomerError(const CustomerRecord& record);

// Maps field names to schema columns. Lookups of names given in schema
// order cost one comparison each (`hint` is the previous index + 1).
class ColumnLookup {
 public:
  explicit ColumnLookup(const Schema& schema);
  std::optional<size_t> Find(std::string_view name, size_t hint) const;
  // "customerID, gender, ..." for unknown-field messages.
  const std::string& expected_names() const { return expected_names_; }

 private:
  std::vector<std::string> names_;
  std::string expected_names_;
};

}  // namespace churnml::serving
