#include "orchestration/job_kind.h"

namespace churnml::orchestration {

std::filesystem::path JobContext::StagingPath(const std::filesystem::path& final) const {
  std::filesystem::path temporary = final;
  temporary += ".job" + std::to_string(job_.id) + "-e" + std::to_string(job_.epoch) + ".tmp";
  return temporary;
}

Status JobKindRegistry::Add(JobKind kind) {
  if (kinds_.count(kind.name) != 0) {
    return AlreadyExistsError("job kind \"" + kind.name + "\" is registered twice");
  }
  std::string name = kind.name;
  kinds_.emplace(std::move(name), std::move(kind));
  return Status::Ok();
}

const JobKind* JobKindRegistry::Find(const std::string& name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::vector<std::string> JobKindRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, kind] : kinds_) names.push_back(name);
  return names;
}

Result<std::vector<std::string>> JobKindRegistry::Prepare(
    const std::string& kind, const std::vector<std::string>& args) const {
  const JobKind* k = Find(kind);
  if (k == nullptr) {
    std::string known;
    for (const std::string& n : Names()) known += (known.empty() ? "" : ", ") + n;
    return InvalidArgumentError("unknown job kind \"" + kind + "\" (known: " + known + ")");
  }
  if (!k->prepare) return args;
  Result<std::vector<std::string>> prepared = k->prepare(args);
  if (!prepared.ok()) return prepared.status().WithContext("job kind " + kind);
  return prepared;
}

}  // namespace churnml::orchestration
