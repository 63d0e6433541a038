// What a worker can run: job kinds by name, each with the validation that
// `jobs submit` applies to its arguments and the function that runs it. The
// kinds are registered explicitly at start-up by the command line (which
// knows each command's flags); this layer only dispatches.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "orchestration/job.h"
#include "orchestration/job_queue.h"

namespace churnml::orchestration {

// Handed to a running job. Not shared between jobs.
class JobContext {
 public:
  JobContext(Job job, std::string worker, const std::atomic<bool>* lease_lost)
      : job_(std::move(job)), worker_(std::move(worker)), lease_lost_(lease_lost) {}

  const Job& job() const { return job_; }
  const std::string& worker() const { return worker_; }
  Lease lease() const { return {job_.id, job_.epoch}; }

  // The temporary name to write an output under: beside `final`, unique to
  // this job and epoch. Publish it with AddOutput once written; the queue
  // renames it to `final` only if this worker still holds the lease.
  std::filesystem::path StagingPath(const std::filesystem::path& final) const;
  void AddOutput(const std::filesystem::path& temporary, const std::filesystem::path& final) {
    outputs_.push_back({temporary, final});
  }
  const std::vector<FencedOutput>& outputs() const { return outputs_; }

  // Files the worker deletes once this job's completion committed (a
  // merge's inputs: they are needed again if the completion is refused).
  void RemoveAfterSuccess(std::filesystem::path path) { cleanup_.push_back(std::move(path)); }
  const std::vector<std::filesystem::path>& cleanup() const { return cleanup_; }

  // The job's children (SubmitWithChildren), in id order; read from the
  // store by the worker. FailedPrecondition when the worker gave none.
  Result<std::vector<Job>> Children() const {
    if (!children_) return FailedPreconditionError("this worker cannot list child jobs");
    return children_();
  }
  void SetChildrenSource(std::function<Result<std::vector<Job>>()> source) {
    children_ = std::move(source);
  }

  // Lineage recorded on success (JSON object text): run, model version, outputs.
  void SetResult(std::string json) { result_ = std::move(json); }
  const std::string& result() const { return result_; }

  // True once the lease was lost (rescued elsewhere, cancelled, expired) or
  // the worker is stopping: a long job should return soon (its result
  // would be refused anyway).
  bool LeaseLost() const { return lease_lost_ != nullptr && lease_lost_->load(); }

 private:
  Job job_;
  std::string worker_;
  const std::atomic<bool>* lease_lost_;
  std::vector<FencedOutput> outputs_;
  std::vector<std::filesystem::path> cleanup_;
  std::function<Result<std::vector<Job>>()> children_;
  std::string result_;
};

struct JobKind {
  std::string name;
  std::string help;  // one line for `jobs submit --help`
  // The command's own validation of `args` (without running anything);
  // returns the args to store, with relative paths made absolute (workers
  // run elsewhere). InvalidArgument naming the flag.
  std::function<Result<std::vector<std::string>>(const std::vector<std::string>& args)> prepare;
  // Runs the job; a returned error is classified by ClassifyFailure.
  std::function<Status(JobContext& context)> run;
};

class JobKindRegistry {
 public:
  // AlreadyExists for a second kind of the same name.
  Status Add(JobKind kind);
  // nullptr when unknown.
  const JobKind* Find(const std::string& name) const;
  std::vector<std::string> Names() const;
  // InvalidArgument listing the known kinds for an unknown one; else the
  // kind's own validation (JobKind::prepare) and its normalized args.
  Result<std::vector<std::string>> Prepare(const std::string& kind,
                                           const std::vector<std::string>& args) const;

 private:
  std::map<std::string, JobKind> kinds_;
};

}  // namespace churnml::orchestration
