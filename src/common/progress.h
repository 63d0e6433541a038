// A progress line on stderr, drawn only when stderr is a terminal, so pipes
// and log files stay clean:
//
//   train: fit (2/5) ⠹ 12.4 s
//   predict [#########                     ]  31%  2.9 MB of 9.4 MB  ETA 6 s
//
// With a known total it draws a bar, the amounts (rows, or bytes as KB/MB/GB)
// and an estimate of the time left; without one, a spinner and the elapsed
// time. A ticker thread redraws every 200 ms, so the spinner and the clock
// move while a stage (a model fit) reports nothing. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <string>
#include <thread>

#include "common/mutex.h"

namespace churnml {

enum class ProgressUnit { kCount, kBytes };

class ProgressBar {
 public:
  // `total` is in `unit`s; 0 means unknown (spinner).
  ProgressBar(std::string label, int64_t total, ProgressUnit unit = ProgressUnit::kCount);
  ~ProgressBar();  // Finish()
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Sets the amount done. Nothing shows during the first second (short work
  // never shows a line).
  void Update(int64_t done);
  // Names the current stage ("fit (2/5)"): shown after the label, with a
  // spinner and the stage's elapsed time when the total is unknown.
  void SetStage(std::string stage);
  // Changes the current stage's text ("fit, round 37/400") without
  // restarting its clock.
  void SetStageText(std::string text);
  // Clears the line and stops drawing.
  void Finish();

 private:
  void Tick();
  void DrawLocked(std::chrono::steady_clock::time_point now) CHURNML_REQUIRES(mu_);

  const std::string label_;
  const int64_t total_;
  const ProgressUnit unit_;
  const std::chrono::steady_clock::time_point start_;
  Mutex mu_;
  std::condition_variable wake_;
  bool enabled_ CHURNML_GUARDED_BY(mu_);
  bool drawn_ CHURNML_GUARDED_BY(mu_) = false;
  int64_t done_ CHURNML_GUARDED_BY(mu_) = 0;
  std::string stage_ CHURNML_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point stage_start_ CHURNML_GUARDED_BY(mu_);
  int frame_ CHURNML_GUARDED_BY(mu_) = 0;
  std::thread ticker_;
};

// "3 s", "1 min 05 s", "2 h 03 min": a duration for a progress line.
std::string FormatEta(double seconds);

}  // namespace churnml
