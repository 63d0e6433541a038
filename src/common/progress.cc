#include "common/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "common/strings.h"
#include "common/suggest.h"

namespace churnml {
namespace {

constexpr std::chrono::milliseconds kTickInterval{200};
constexpr std::chrono::seconds kQuietStart{1};
constexpr const char* kSpinner[] = {"|", "/", "-", "\\"};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

std::string FormatEta(double seconds) {
  if (seconds < 0) seconds = 0;
  const int64_t s = std::llround(seconds);
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lld min %02lld s", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld h %02lld min", static_cast<long long>(s / 3600),
                  static_cast<long long>((s % 3600) / 60));
  }
  return buf;
}

ProgressBar::ProgressBar(std::string label, int64_t total, ProgressUnit unit)
    : label_(std::move(label)),
      total_(total),
      unit_(unit),
      start_(std::chrono::steady_clock::now()),
      enabled_(::isatty(STDERR_FILENO) == 1),
      stage_start_(start_) {
  if (enabled_) ticker_ = std::thread([this] { Tick(); });
}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t done) {
  MutexLock lock(&mu_);
  done_ = done;
}

void ProgressBar::SetStage(std::string stage) {
  MutexLock lock(&mu_);
  stage_ = std::move(stage);
  stage_start_ = std::chrono::steady_clock::now();
}

void ProgressBar::SetStageText(std::string text) {
  MutexLock lock(&mu_);
  stage_ = std::move(text);
}

void ProgressBar::Finish() {
  {
    MutexLock lock(&mu_);
    if (drawn_) {
      std::fprintf(stderr, "\r\033[K");
      std::fflush(stderr);
      drawn_ = false;
    }
    enabled_ = false;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void ProgressBar::Tick() {
  MutexLock lock(&mu_);
  while (enabled_) {
    mu_.WaitFor(wake_, kTickInterval);
    if (!enabled_) break;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ >= kQuietStart) DrawLocked(now);
  }
}

void ProgressBar::DrawLocked(std::chrono::steady_clock::time_point now) {
  auto amount = [this](int64_t n) {
    return unit_ == ProgressUnit::kBytes ? FormatBytes(n) : FormatCount(n);
  };
  std::string line = label_;
  if (!stage_.empty()) line += ": " + stage_;
  if (total_ > 0) {
    constexpr int kWidth = 30;
    double frac = static_cast<double>(done_) / static_cast<double>(total_);
    frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    const int filled = static_cast<int>(frac * kWidth);
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(frac * 100));
    line += " [" + std::string(filled, '#') + std::string(kWidth - filled, ' ') + "] " + pct;
    if (unit_ == ProgressUnit::kBytes) line += "  " + amount(done_) + " of " + amount(total_);
    const double elapsed = Seconds(now - start_);
    if (frac > 0.01 && frac < 1) line += "  ETA " + FormatEta(elapsed * (1 - frac) / frac);
  } else {
    line += std::string(" ") + kSpinner[frame_++ % 4];
    if (done_ > 0) line += " " + amount(done_);
    line += " " + FormatEta(Seconds(now - (stage_.empty() ? start_ : stage_start_)));
  }
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace churnml
