// The store schema as an ordered list of migrations. Migration N takes a
// store from schema version N-1 to N; version 0 is an empty database. The
// same SQL runs on SQLite and PostgreSQL except for the id column type.
// docs/store.md documents every version: this list is a contract.
#pragma once

#include <string>

#include "tracking/sql_connection.h"

namespace churnml::tracking {

// The DDL of migration `version` (1-based) for `dialect`; empty past the end.
std::string MigrationScript(int version, SqlDialect dialect);

}  // namespace churnml::tracking
