// TrackingStore: moving an alias by compare-and-set, recorded on the run
// that decided it (champion/challenger promotion and rollback).
#include "tracking/names.h"
#include "tracking/tracking_store.h"

namespace churnml::tracking {

Result<AliasState> TrackingStore::GetAlias(const std::string& model, const std::string& alias) {
  CHURNML_RETURN_IF_ERROR(ValidateName("model name", model));
  CHURNML_RETURN_IF_ERROR(ValidateAlias(alias));
  CHURNML_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection_->Query("SELECT version, updated_ms FROM aliases WHERE name = ? AND alias = ?",
                         {model, alias}));
  if (rows.empty()) {
    CHURNML_RETURN_IF_ERROR(RequireModel(model));
    return NotFoundError("model \"" + model + "\" has no alias \"" + alias + "\"");
  }
  return AliasState{AsInt(rows[0][0]), AsInt(rows[0][1])};
}

Status TrackingStore::PromoteAlias(const AliasPromotion& p) {
  CHURNML_RETURN_IF_ERROR(ValidateName("model name", p.model));
  CHURNML_RETURN_IF_ERROR(ValidateAlias(p.alias));
  CHURNML_RETURN_IF_ERROR(ValidateAlias(p.previous_alias));
  CHURNML_RETURN_IF_ERROR(ValidateRunId(p.run_id));
  if (p.alias == p.previous_alias) {
    return InvalidArgumentError("the alias and the previous alias must differ");
  }
  for (const auto& [key, value] : p.tags) CHURNML_RETURN_IF_ERROR(ValidateKey("tag", key));
  return InTransaction(TransactionMode::kWrite, [&]() -> Status {
    const int64_t now = Now();
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows current,
        connection_->Query("SELECT version, updated_ms FROM aliases WHERE name = ? AND alias = ?",
                           {p.model, p.alias}));
    if (current.empty()) {
      return FailedPreconditionError(p.model + "@" + p.alias + " no longer exists: not moved");
    }
    const int64_t version = AsInt(current[0][0]);
    if (version != p.expected_version) {
      return FailedPreconditionError(p.model + "@" + p.alias + " moved to version " +
                                     std::to_string(version) + " (expected version " +
                                     std::to_string(p.expected_version) +
                                     ") while this decision was made: not moved");
    }
    const int64_t since = now - AsInt(current[0][1]);
    if (p.cooldown_ms > 0 && since < p.cooldown_ms) {
      return FailedPreconditionError(p.model + "@" + p.alias + " moved " +
                                     std::to_string(since / 1000) +
                                     " s ago, within the cooldown of " +
                                     std::to_string(p.cooldown_ms / 1000) + " s: not moved");
    }
    CHURNML_ASSIGN_OR_RETURN(
        SqlRows target,
        connection_->Query("SELECT version FROM model_versions WHERE name = ? AND version = ?",
                           {p.model, p.new_version}));
    if (target.empty()) {
      return NotFoundError("version " + std::to_string(p.new_version) + " of model \"" + p.model +
                           "\" not found");
    }
    CHURNML_RETURN_IF_ERROR(RequireRun(p.run_id, true));
    const char* kUpsert =
        "INSERT INTO aliases (name, alias, version, updated_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, "
        "updated_ms = excluded.updated_ms";
    CHURNML_RETURN_IF_ERROR(connection_->Query(kUpsert, {p.model, p.alias, p.new_version, now}));
    CHURNML_RETURN_IF_ERROR(
        connection_->Query(kUpsert, {p.model, p.previous_alias, p.expected_version, now}));
    for (const auto& [key, value] : p.tags) {
      CHURNML_RETURN_IF_ERROR(
          connection_->Query("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) "
                             "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                             {p.run_id, key, value}));
    }
    Checkpoint("promote.moved");
    return connection_
        ->Query("UPDATE runs SET status = ?, end_time_ms = ?, last_update_ms = ? WHERE run_id = ?",
                {std::string(RunStatusName(RunStatus::kFinished)), now, now, p.run_id})
        .status();
  });
}

}  // namespace churnml::tracking
