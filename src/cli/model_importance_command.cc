#include "cli/model_importance_command.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/model_ref.h"
#include "common/json_dump.h"
#include "common/strings.h"
#include "pipeline/model_importance.h"

namespace churnml::cli {

namespace {

// Four significant decimals for coefficients, fewer for large gains.
std::string Number(double v) { return FormatFixed(v, std::fabs(v) >= 1000 ? 1 : 4); }

void PrintRows(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    std::cout << line << '\n';
  }
}

}  // namespace

int ShowModelImportance(const ImportanceFlags& f, const CommandContext& ctx) {
  if (f.top < 0) return ReportError(InvalidArgumentError("--top must be 0 (all) or more"));
  Result<std::shared_ptr<const ModelArtifact>> artifact = LoadModelRef(f.ref, ctx);
  if (!artifact.ok()) return ReportError(artifact.status());
  Result<ModelImportance> m = ComputeModelImportance(**artifact);
  if (!m.ok()) return ReportError(m.status().WithContext(f.ref));
  if (f.json) {
    nlohmann::json j = m->ToJson();
    j["model"] = f.ref;
    std::cout << DumpJson(j, 2) << '\n';
    return kExitOk;
  }
  const bool logistic = m->method == "coefficient";
  Say(f.ref + " (" + m->kind + "): feature importance by " +
      (logistic ? "coefficient (numbers standard-scaled, one-hot columns 0/1); a feature's "
                  "importance is the sum of |coefficient| over its columns"
                : "XGBoost total gain, summed over each feature's one-hot columns"));
  std::vector<std::vector<std::string>> rows = {{"FEATURE", "IMPORTANCE", "SHARE"}};
  for (const RawFeatureImportance& r : m->features) {
    rows.push_back({r.name, Number(r.importance), FormatFixed(100 * r.share, 1) + "%"});
  }
  PrintRows(rows);
  std::cout << '\n';
  rows = {logistic ? std::vector<std::string>{"COLUMN", "COEFFICIENT"}
                   : std::vector<std::string>{"COLUMN", "TOTAL_GAIN", "GAIN"}};
  const size_t shown =
      f.top == 0 ? m->columns.size() : std::min(m->columns.size(), static_cast<size_t>(f.top));
  for (size_t i = 0; i < shown; ++i) {
    const ColumnImportance& c = m->columns[i];
    rows.push_back({c.name, Number(c.value)});
    if (c.average_gain) rows.back().push_back(Number(*c.average_gain));
  }
  PrintRows(rows);
  if (m->intercept) std::cout << "intercept  " << Number(*m->intercept) << '\n';
  if (shown < m->columns.size()) {
    Say("showing the " + std::to_string(shown) + " largest of " +
        std::to_string(m->columns.size()) + " encoded columns; --top 0 shows all");
  }
  return kExitOk;
}

}  // namespace churnml::cli
