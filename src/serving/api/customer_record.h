// One customer as the request decoders hand it to the prediction path:
// the text of each schema column, as RowConverter::Convert reads CSV
// fields, plus every problem the decoder found. ConvertCustomers() then
// runs the schema's value checks (categories, ranges) and appends the rows
// that pass to a Dataset.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "data/row_converter.h"
#include "data/schema.h"
#include "serving/api/api_error.h"

namespace churnml::serving {

struct CustomerRecord {
  // Text per schema column, in schema order (size Schema::num_columns());
  // "" is a missing value. Numbers arrive as their shortest round-trip text.
  std::vector<std::string> fields;
  // Whether the request carried a non-empty id (customerID); "" counts as
  // absent.
  bool has_customer_id = false;
  // The first kMaxFieldErrors problems with this customer, in request
  // order then schema order. Empty when the record is valid (so far: see
  // ConvertCustomers).
  std::vector<FieldError> errors;
  // Problems found beyond the first kMaxFieldErrors (counted, not kept).
  size_t more_errors = 0;

  bool ok() const { return errors.empty(); }
  // Keeps `error` while fewer than kMaxFieldErrors are kept, else counts it.
  void AddError(FieldError error);
};

// The request's customerID, or "" when the schema has no id column or the
// request did not send one.
std::string_view CustomerId(const Schema& schema, const CustomerRecord& record);

// The 422 error for a record with errors: "invalid customer" and its
// fields (a problem with the whole record, e.g. not an object, becomes the
// message instead).
ApiError InvalidCustomerError(const CustomerRecord& record);

// Validates each record with `converter` (which must be
// RowConverter::ForSchema(schema, TargetPolicy::kIgnore or kOptional)) and
// appends it to `out` (a Dataset of the same schema). A record that fails
// gets one FieldError per issue (the field and the converter's message,
// e.g. tenure: "\"99\" is outside the range [0, 72]"). Afterwards the
// records with ok() are exactly the new rows of `out`, in order. A record
// without customerID is appended with its 0-based index as the id text
// (the response takes ids from the records, not the Dataset).
void ConvertCustomers(const RowConverter& converter, std::span<CustomerRecord> records,
                      Dataset* out);

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
