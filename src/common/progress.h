// A progress bar on stderr, drawn only when stderr is a terminal, so pipes
// and log files stay clean. Thread-compatible: call from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace churnml {

class ProgressBar {
 public:
  // `total` is in `unit`s (bytes, rows); 0 means unknown.
  ProgressBar(std::string label, int64_t total);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Sets the amount done; redraws at most ten times a second, and only after
  // the work has run for a second (short work never shows a bar).
  void Update(int64_t done);
  void Finish();

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace churnml
