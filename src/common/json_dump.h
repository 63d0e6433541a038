// Serialising nlohmann::json for output. A string copied from input (a CSV
// value, a file name, a store record) may hold invalid UTF-8, on which
// nlohmann's plain dump() throws type_error 316 and ends the process: here
// such bytes become U+FFFD instead. Every JSON document churnml prints or
// writes goes through DumpJson.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace churnml {

// `indent` < 0: one line; otherwise pretty-printed with that many spaces.
inline std::string DumpJson(const nlohmann::json& doc, int indent = -1) {
  return doc.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace churnml
