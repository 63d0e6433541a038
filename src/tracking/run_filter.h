// The `runs list --filter` and `--order-by` languages, translated to SQL with
// bound parameters (values never enter the SQL text).
//
//   filter  := or_expr
//   or_expr := and_expr ("or" and_expr)*
//   and_expr:= term ("and" term)*
//   term    := "(" or_expr ")" | FIELD OP LITERAL
//   FIELD   := metrics.KEY | params.KEY | tags.KEY
//            | attributes.(status|run_id|experiment|start_time|end_time)
//   OP      := = | == | != | <> | < | <= | > | >=
//   LITERAL := number | 'text' | "text"      (a doubled quote escapes it)
//
// metrics and times compare with numbers; params, tags, status, run_id and
// experiment compare as text with = and !=. Keywords are case-insensitive.
//
//   order   := FIELD ["asc"|"desc"] ("," FIELD ["asc"|"desc"])*
//
// Errors are InvalidArgument "filter, column N: …" pointing at the token;
// text quoted from the filter is cut to 80 bytes. Limits: parentheses nest
// at most kMaxRunFilterDepth deep, a filter has at most
// kMaxRunFilterComparisons comparisons, an order-by at most
// kMaxRunOrderFields fields.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tracking/sql_connection.h"

namespace churnml::tracking {

inline constexpr int kMaxRunFilterDepth = 100;
inline constexpr int kMaxRunFilterComparisons = 256;
inline constexpr int kMaxRunOrderFields = 32;

// A metric, param or tag key an expression names ("metrics", "roc_auc").
struct KeyReference {
  std::string kind;  // "metrics", "params" or "tags"
  std::string key;
  int column = 0;  // 1-based, in the expression
};

// A piece of SQL over `runs r JOIN experiments e` with '?' parameter markers,
// and the keys it refers to (the store checks they exist).
struct SqlFragment {
  std::string sql;
  std::vector<SqlValue> params;
  std::vector<KeyReference> references;
};

Result<SqlFragment> TranslateRunFilter(std::string_view filter);
// An ORDER BY list (without the keywords); empty input gives empty SQL.
Result<SqlFragment> TranslateRunOrder(std::string_view order_by);

}  // namespace churnml::tracking
