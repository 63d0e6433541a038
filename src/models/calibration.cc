#include "models/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace churnml {
namespace {

constexpr double kScoreClamp = 1e-15;

double Logit(double s) {
  s = std::clamp(s, kScoreClamp, 1.0 - kScoreClamp);
  return std::log(s / (1.0 - s));
}

double Sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

std::string Number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", v);
  return buffer;
}

Status CheckFitInput(std::span<const double> scores, std::span<const uint8_t> labels,
                     std::string_view method) {
  const std::string m(method);
  if (scores.size() != labels.size()) {
    return InvalidArgumentError(m + " calibration: " + std::to_string(scores.size()) +
                                " scores for " + std::to_string(labels.size()) + " labels");
  }
  if (scores.size() < 2) return InvalidArgumentError(m + " calibration needs at least 2 rows");
  size_t positives = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!(scores[i] >= 0.0 && scores[i] <= 1.0)) {
      return InvalidArgumentError(m + " calibration: score " + Number(scores[i]) + " of row " +
                                  std::to_string(i) + " is not a probability in [0, 1]");
    }
    positives += labels[i] != 0 ? 1 : 0;
  }
  if (positives == 0 || positives == scores.size()) {
    return InvalidArgumentError(m + " calibration needs rows of both classes");
  }
  return Status::Ok();
}

// The loss Platt's fit minimises at (w, c), with z = w * f + c = -(a f + b).
double PlattLoss(std::span<const double> f, std::span<const double> t, double w, double c) {
  double loss = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    const double z = w * f[i] + c;
    // log(1 + exp(-z)) and log(1 + exp(z)), stable for large |z|.
    const double log1pexp_neg = z > 0 ? std::log1p(std::exp(-z)) : -z + std::log1p(std::exp(z));
    const double log1pexp_pos = log1pexp_neg + z;
    loss += t[i] * log1pexp_neg + (1.0 - t[i]) * log1pexp_pos;
  }
  return loss;
}

}  // namespace

std::string_view CalibrationMethodName(CalibrationMethod method) {
  return method == CalibrationMethod::kPlatt ? "platt" : "isotonic";
}

Result<CalibrationMethod> ParseCalibrationMethod(std::string_view name) {
  if (name == "platt") return CalibrationMethod::kPlatt;
  if (name == "isotonic") return CalibrationMethod::kIsotonic;
  std::string shown(name.substr(0, 40));
  return InvalidArgumentError("unknown calibration method \"" + shown +
                              "\" (valid: platt, isotonic)");
}

Result<Calibrator> Calibrator::FitPlatt(std::span<const double> scores,
                                        std::span<const uint8_t> labels) {
  CHURNML_RETURN_IF_ERROR(CheckFitInput(scores, labels, "platt"));
  size_t positives = 0;
  for (uint8_t l : labels) positives += l != 0 ? 1 : 0;
  const size_t negatives = labels.size() - positives;
  const double t_pos =
      (static_cast<double>(positives) + 1.0) / (static_cast<double>(positives) + 2.0);
  const double t_neg = 1.0 / (static_cast<double>(negatives) + 2.0);
  std::vector<double> f(scores.size()), t(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    f[i] = Logit(scores[i]);
    t[i] = labels[i] != 0 ? t_pos : t_neg;
  }
  double w = 1.0, c = 0.0;
  double loss = PlattLoss(f, t, w, c);
  for (int iter = 0; iter < 200; ++iter) {
    double gw = 0, gc = 0, hww = 1e-12, hwc = 0, hcc = 1e-12;
    for (size_t i = 0; i < f.size(); ++i) {
      const double p = Sigmoid(w * f[i] + c);
      const double r = p - t[i];
      const double v = p * (1.0 - p);
      gw += r * f[i];
      gc += r;
      hww += v * f[i] * f[i];
      hwc += v * f[i];
      hcc += v;
    }
    const double det = hww * hcc - hwc * hwc;
    if (!(det > 0) || !std::isfinite(det)) break;
    const double dw = (hcc * gw - hwc * gc) / det;
    const double dc = (hww * gc - hwc * gw) / det;
    double step = 1.0;
    bool improved = false;
    for (int k = 0; k < 40; ++k, step *= 0.5) {
      const double nw = w - step * dw, nc = c - step * dc;
      const double nl = PlattLoss(f, t, nw, nc);
      if (nl <= loss) {
        w = nw;
        c = nc;
        improved = loss - nl > 1e-15 * std::max(1.0, loss);
        loss = nl;
        break;
      }
    }
    if (!improved || std::fabs(step * dw) + std::fabs(step * dc) < 1e-13) break;
  }
  return Platt(-w, -c);
}

Result<Calibrator> Calibrator::FitIsotonic(std::span<const double> scores,
                                           std::span<const uint8_t> labels) {
  CHURNML_RETURN_IF_ERROR(CheckFitInput(scores, labels, "isotonic"));
  std::vector<size_t> order(scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t l, size_t r) { return scores[l] < scores[r]; });
  // Blocks of pooled rows: lowest and highest score, label sum, row count.
  struct Block {
    double lo, hi, sum, n;
  };
  std::vector<Block> blocks;
  for (size_t k = 0; k < order.size(); ++k) {
    const double s = scores[order[k]];
    const double y = labels[order[k]] != 0 ? 1.0 : 0.0;
    if (!blocks.empty() && blocks.back().hi == s) {  // equal scores pool first
      blocks.back().sum += y;
      blocks.back().n += 1;
    } else {
      blocks.push_back({s, s, y, 1});
    }
    // Pool adjacent violators: a block's mean must not be below the previous one's.
    while (blocks.size() > 1) {
      Block& last = blocks[blocks.size() - 1];
      Block& prev = blocks[blocks.size() - 2];
      if (prev.sum / prev.n < last.sum / last.n) break;
      prev.hi = last.hi;
      prev.sum += last.sum;
      prev.n += last.n;
      blocks.pop_back();
    }
  }
  std::vector<double> x, y;
  for (const Block& b : blocks) {
    const double mean = b.sum / b.n;
    x.push_back(b.lo);
    y.push_back(mean);
    if (b.hi > b.lo) {
      x.push_back(b.hi);
      y.push_back(mean);
    }
  }
  return Isotonic(std::move(x), std::move(y));
}

Result<Calibrator> Calibrator::Platt(double a, double b) {
  for (auto [name, v] : {std::pair<const char*, double>{"a", a}, {"b", b}}) {
    if (!std::isfinite(v) || std::fabs(v) > kMaxPlattCoefficient) {
      return InvalidArgumentError(std::string("platt calibration: \"") + name + "\" is " +
                                  Number(v) + ", not a finite number within ±1e6");
    }
  }
  Calibrator c;
  c.method_ = CalibrationMethod::kPlatt;
  c.a_ = a;
  c.b_ = b;
  return c;
}

Result<Calibrator> Calibrator::Isotonic(std::vector<double> x, std::vector<double> y) {
  if (x.empty() || x.size() != y.size()) {
    return InvalidArgumentError(
        "isotonic calibration: \"x\" and \"y\" must be non-empty and of "
        "equal length (got " +
        std::to_string(x.size()) + " and " + std::to_string(y.size()) + ")");
  }
  if (x.size() > kMaxIsotonicKnots) {
    return InvalidArgumentError("isotonic calibration: " + std::to_string(x.size()) +
                                " knots, more than the limit of " +
                                std::to_string(kMaxIsotonicKnots));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] >= 0.0 && x[i] <= 1.0) || !(y[i] >= 0.0 && y[i] <= 1.0)) {
      return InvalidArgumentError("isotonic calibration: knot " + std::to_string(i) + " (" +
                                  Number(x[i]) + ", " + Number(y[i]) +
                                  ") is not a pair of finite numbers in [0, 1]");
    }
    if (i > 0 && !(x[i] > x[i - 1])) {
      return InvalidArgumentError("isotonic calibration: knot " + std::to_string(i) +
                                  ": \"x\" is not strictly increasing");
    }
    if (i > 0 && !(y[i] >= y[i - 1])) {
      return InvalidArgumentError("isotonic calibration: knot " + std::to_string(i) +
                                  ": \"y\" decreases (the fit must be monotone)");
    }
  }
  Calibrator c;
  c.method_ = CalibrationMethod::kIsotonic;
  c.x_ = std::move(x);
  c.y_ = std::move(y);
  return c;
}

nlohmann::json Calibrator::ToJson() const {
  if (method_ == CalibrationMethod::kPlatt) return {{"method", "platt"}, {"a", a_}, {"b", b_}};
  return {{"method", "isotonic"}, {"x", x_}, {"y", y_}};
}

Result<Calibrator> Calibrator::FromJson(const nlohmann::json& j, const std::string& where) {
  auto bad = [&where](const std::string& what) {
    return InvalidArgumentError(where + ": " + what);
  };
  if (!j.is_object()) return bad("expected a JSON object");
  auto m = j.find("method");
  if (m == j.end() || !m->is_string()) return bad("field \"method\" is missing or not a string");
  Result<CalibrationMethod> method = ParseCalibrationMethod(m->get<std::string>());
  if (!method.ok()) return method.status().WithContext(where);
  const std::vector<std::string> keys = *method == CalibrationMethod::kPlatt
                                            ? std::vector<std::string>{"method", "a", "b"}
                                            : std::vector<std::string>{"method", "x", "y"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return bad("unknown field \"" + key.substr(0, 40) + "\"");
    }
  }
  Result<Calibrator> out = [&]() -> Result<Calibrator> {
    if (*method == CalibrationMethod::kPlatt) {
      if (!j.contains("a") || !j["a"].is_number() || !j.contains("b") || !j["b"].is_number()) {
        return InvalidArgumentError("fields \"a\" and \"b\" must be numbers");
      }
      return Platt(j["a"].get<double>(), j["b"].get<double>());
    }
    std::vector<double> x, y;
    for (const char* name : {"x", "y"}) {
      auto it = j.find(name);
      if (it == j.end() || !it->is_array()) {
        return InvalidArgumentError(std::string("field \"") + name + "\" must be an array");
      }
      if (it->size() > kMaxIsotonicKnots) {
        return InvalidArgumentError(std::string("field \"") + name + "\" has more than " +
                                    std::to_string(kMaxIsotonicKnots) + " knots");
      }
      std::vector<double>& values = name[0] == 'x' ? x : y;
      values.reserve(it->size());
      for (const nlohmann::json& v : *it) {
        if (!v.is_number()) {
          return InvalidArgumentError(std::string("field \"") + name + "\" holds a non-number");
        }
        values.push_back(v.get<double>());
      }
    }
    return Isotonic(std::move(x), std::move(y));
  }();
  if (!out.ok()) return out.status().WithContext(where);
  return out;
}

double Calibrator::Apply(double s) const {
  if (method_ == CalibrationMethod::kPlatt) return Sigmoid(-(a_ * Logit(s) + b_));
  if (s <= x_.front()) return y_.front();
  if (s >= x_.back()) return y_.back();
  const size_t hi = static_cast<size_t>(std::upper_bound(x_.begin(), x_.end(), s) - x_.begin());
  const size_t lo = hi - 1;
  const double t = (s - x_[lo]) / (x_[hi] - x_[lo]);
  return std::clamp(y_[lo] + t * (y_[hi] - y_[lo]), 0.0, 1.0);
}

void Calibrator::Apply(std::span<double> scores) const {
  for (double& s : scores) s = Apply(s);
}

}  // namespace churnml
