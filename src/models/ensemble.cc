#include "models/ensemble.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "common/strings.h"
#include "models/hyperparameters.h"

namespace churnml {
namespace {

constexpr double kProbabilityClamp = 1e-15;

double Sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// log(1 + exp(z)), stable for large |z|.
double Softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

// Solves a * x = b for a small symmetric positive definite `a` (n x n,
// row-major) by Gaussian elimination with partial pivoting. False when
// singular.
bool Solve(std::vector<double> a, std::vector<double> b, size_t n, std::vector<double>* x) {
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < n; ++r) {
      if (std::fabs(a[r * n + col]) > std::fabs(a[pivot * n + col])) pivot = r;
    }
    if (!(std::fabs(a[pivot * n + col]) > 1e-300)) return false;
    if (pivot != col) {
      for (size_t c = 0; c < n; ++c) std::swap(a[col * n + c], a[pivot * n + c]);
      std::swap(b[col], b[pivot]);
    }
    for (size_t r = col + 1; r < n; ++r) {
      const double f = a[r * n + col] / a[col * n + col];
      for (size_t c = col; c < n; ++c) a[r * n + c] -= f * a[col * n + c];
      b[r] -= f * b[col];
    }
  }
  x->assign(n, 0.0);
  for (size_t i = n; i-- > 0;) {
    double s = b[i];
    for (size_t c = i + 1; c < n; ++c) s -= a[i * n + c] * (*x)[c];
    (*x)[i] = s / a[i * n + i];
  }
  return true;
}

// The stacking objective at parameters theta = (bias, w_1..w_K) over the
// log-odds matrix z (rows x K): mean log loss + l2 / 2 * |w|^2.
double Objective(const std::vector<double>& z, std::span<const uint8_t> y, size_t k,
                 const std::vector<double>& theta, double l2) {
  double loss = 0;
  const size_t n = y.size();
  for (size_t i = 0; i < n; ++i) {
    double m = theta[0];
    for (size_t j = 0; j < k; ++j) m += theta[j + 1] * z[i * k + j];
    loss += y[i] ? Softplus(-m) : Softplus(m);
  }
  double penalty = 0;
  for (size_t j = 0; j < k; ++j) penalty += theta[j + 1] * theta[j + 1];
  return loss / static_cast<double>(n) + 0.5 * l2 * penalty;
}

}  // namespace

std::string_view EnsembleMethodName(EnsembleMethod method) {
  return method == EnsembleMethod::kAverage ? "average" : "stacking";
}

Result<EnsembleMethod> ParseEnsembleMethod(std::string_view name) {
  if (name == "average") return EnsembleMethod::kAverage;
  if (name == "stacking") return EnsembleMethod::kStacking;
  return InvalidArgumentError("unknown ensemble method \"" + std::string(name.substr(0, 64)) +
                              "\"; valid: average, stacking");
}

Result<std::vector<double>> NormalizeEnsembleWeights(std::span<const double> weights,
                                                     size_t members) {
  if (weights.empty()) {
    if (members == 0) return InvalidArgumentError("an ensemble needs members");
    return std::vector<double>(members, 1.0 / static_cast<double>(members));
  }
  if (weights.size() != members) {
    return InvalidArgumentError("--weights has " + std::to_string(weights.size()) +
                                " value(s) for " + std::to_string(members) +
                                " member(s); give one weight per member");
  }
  double sum = 0;
  for (size_t k = 0; k < weights.size(); ++k) {
    if (!std::isfinite(weights[k]) || !(weights[k] > 0) || weights[k] > kMaxEnsembleCoefficient) {
      return InvalidArgumentError("--weights: weight " + std::to_string(k + 1) + " is " +
                                  FormatDouble(weights[k]) +
                                  "; every weight must be a finite number > 0 (at most 1e6)");
    }
    sum += weights[k];
  }
  std::vector<double> out(weights.begin(), weights.end());
  for (double& w : out) w /= sum;
  return out;
}

double EnsembleLogit(double p) {
  // Symmetric: logit(1 - q) == -logit(q) exactly (1 - p is exact above 0.5),
  // so a certain "yes" and a certain "no" cancel.
  auto lower = [](double q) {
    q = std::max(q, kProbabilityClamp);
    return std::log(q) - std::log1p(-q);
  };
  return p > 0.5 ? -lower(1.0 - p) : lower(p);
}

Result<std::unique_ptr<EnsembleModel>> EnsembleModel::Create(EnsembleMethod method,
                                                             std::vector<double> weights,
                                                             double bias) {
  const std::string name = "ensemble (" + std::string(EnsembleMethodName(method)) + ")";
  if (weights.size() < 2 || weights.size() > kMaxEnsembleMembers) {
    return InvalidArgumentError(name + ": " + std::to_string(weights.size()) +
                                " member weight(s); an ensemble has 2 to " +
                                std::to_string(kMaxEnsembleMembers) + " members");
  }
  for (size_t k = 0; k < weights.size(); ++k) {
    if (!std::isfinite(weights[k]) || std::fabs(weights[k]) > kMaxEnsembleCoefficient) {
      return InvalidArgumentError(name + ": weight " + std::to_string(k + 1) + " is " +
                                  FormatDouble(weights[k]) + ", not a finite number within ±1e6");
    }
  }
  if (!std::isfinite(bias) || std::fabs(bias) > kMaxEnsembleCoefficient) {
    return InvalidArgumentError(name + ": bias " + FormatDouble(bias) +
                                " is not a finite number within ±1e6");
  }
  if (method == EnsembleMethod::kAverage) {
    const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
    const bool positive =
        std::all_of(weights.begin(), weights.end(), [](double w) { return w > 0; });
    if (!positive || std::fabs(sum - 1.0) > 1e-9 || bias != 0.0) {
      return InvalidArgumentError(name +
                                  ": weights must be > 0 and sum to 1, and the bias must be 0");
    }
  }
  return std::unique_ptr<EnsembleModel>(new EnsembleModel(method, std::move(weights), bias));
}

Result<std::unique_ptr<EnsembleModel>> EnsembleModel::FitStacking(
    const FeatureMatrix& member_probabilities, std::span<const uint8_t> labels, double l2) {
  const size_t k = member_probabilities.cols();
  const size_t n = member_probabilities.rows();
  if (k < 2 || k > kMaxEnsembleMembers) {
    return InvalidArgumentError("stacking needs 2 to " + std::to_string(kMaxEnsembleMembers) +
                                " members, got " + std::to_string(k));
  }
  if (labels.size() != n || n < 2) {
    return InvalidArgumentError("stacking: " + std::to_string(n) + " rows of member scores for " +
                                std::to_string(labels.size()) + " labels (need 2 or more)");
  }
  if (!(l2 >= 0) || !std::isfinite(l2)) {
    return InvalidArgumentError("stacking: l2 must be a finite number >= 0");
  }
  const size_t positives = static_cast<size_t>(std::count(labels.begin(), labels.end(), 1));
  if (positives == 0 || positives == n) {
    return InvalidArgumentError("stacking: the labels hold a single class");
  }
  std::vector<double> z(n * k);
  for (size_t i = 0; i < n * k; ++i) {
    const double p = member_probabilities.values()[i];
    if (!(p >= 0 && p <= 1)) {
      return InvalidArgumentError("stacking: member " + std::to_string(i % k + 1) + ", row " +
                                  std::to_string(i / k + 1) + ": " + FormatDouble(p) +
                                  " is not a probability");
    }
    z[i] = EnsembleLogit(p);
  }
  const size_t d = k + 1;  // bias first
  std::vector<double> theta(d, 0.0);
  const double inv_n = 1.0 / static_cast<double>(n);
  double objective = Objective(z, labels, k, theta, l2);
  for (int iteration = 0; iteration < 100; ++iteration) {
    std::vector<double> gradient(d, 0.0), hessian(d * d, 0.0);
    std::vector<double> row(d, 1.0);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < k; ++j) row[j + 1] = z[i * k + j];
      double m = 0;
      for (size_t j = 0; j < d; ++j) m += theta[j] * row[j];
      const double p = Sigmoid(m);
      const double r = (p - labels[i]) * inv_n;
      const double h = std::max(p * (1.0 - p), 1e-12) * inv_n;
      for (size_t a = 0; a < d; ++a) {
        gradient[a] += r * row[a];
        for (size_t b = 0; b < d; ++b) hessian[a * d + b] += h * row[a] * row[b];
      }
    }
    for (size_t j = 1; j < d; ++j) {
      gradient[j] += l2 * theta[j];
      hessian[j * d + j] += l2;
    }
    hessian[0] += 1e-12;  // keeps the system solvable when every p saturates
    std::vector<double> step;
    if (!Solve(hessian, gradient, d, &step)) {
      return InternalError("stacking: the meta-model's Newton system is singular");
    }
    // Step halving: the log loss never rises.
    double t = 1.0;
    std::vector<double> next(d);
    double next_objective = objective;
    for (int halving = 0; halving < 40; ++halving, t *= 0.5) {
      for (size_t j = 0; j < d; ++j) next[j] = theta[j] - t * step[j];
      next_objective = Objective(z, labels, k, next, l2);
      if (next_objective <= objective) break;
    }
    if (!(next_objective <= objective)) break;
    double largest = 0;
    for (size_t j = 0; j < d; ++j) largest = std::max(largest, std::fabs(next[j] - theta[j]));
    theta = next;
    objective = next_objective;
    if (largest < 1e-10) break;
  }
  std::vector<double> weights(theta.begin() + 1, theta.end());
  return Create(EnsembleMethod::kStacking, std::move(weights), theta[0]);
}

nlohmann::json EnsembleModel::hyperparameters() const {
  return {{"method", EnsembleMethodName(method_)}, {"weights", weights_}, {"bias", bias_}};
}

Result<std::unique_ptr<EnsembleModel>> EnsembleModel::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgumentError("ensemble: expected a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "method" && key != "weights" && key != "bias") {
      return InvalidArgumentError("ensemble: unknown field \"" + key.substr(0, 64) + "\"");
    }
  }
  auto method = j.find("method");
  if (method == j.end() || !method->is_string()) {
    return InvalidArgumentError("ensemble: field \"method\" is missing or not a string");
  }
  CHURNML_ASSIGN_OR_RETURN(EnsembleMethod m, ParseEnsembleMethod(method->get<std::string>()));
  auto weights = j.find("weights");
  if (weights == j.end() || !weights->is_array() || weights->size() > kMaxEnsembleMembers) {
    return InvalidArgumentError("ensemble: field \"weights\" must be an array of at most " +
                                std::to_string(kMaxEnsembleMembers) + " numbers");
  }
  std::vector<double> w;
  for (const nlohmann::json& v : *weights) {
    if (!v.is_number()) return InvalidArgumentError("ensemble: a weight is not a number");
    w.push_back(v.get<double>());
  }
  auto bias = j.find("bias");
  if (bias == j.end() || !bias->is_number()) {
    return InvalidArgumentError("ensemble: field \"bias\" is missing or not a number");
  }
  return Create(m, std::move(w), bias->get<double>());
}

Result<std::unique_ptr<EnsembleModel>> EnsembleModel::Load(const ModelFiles& files) {
  CHURNML_ASSIGN_OR_RETURN(nlohmann::json h, ReadHyperparametersFile(files, kEnsembleKind));
  Result<std::unique_ptr<EnsembleModel>> model = FromJson(h);
  if (!model.ok()) return model.status().WithContext(files.PathOf(kHyperparametersFile).string());
  return model;
}

Status EnsembleModel::Save(const std::filesystem::path& dir) const {
  return WriteHyperparametersFile(dir, kEnsembleKind, hyperparameters());
}

double EnsembleModel::Margin(std::span<const double> member_probabilities) const {
  double m = bias_;
  for (size_t k = 0; k < weights_.size(); ++k) {
    m += weights_[k] * EnsembleLogit(member_probabilities[k]);
  }
  return m;
}

Status EnsembleModel::DoPredictProba(const FeatureMatrix& x, std::span<double> out) const {
  for (size_t r = 0; r < x.rows(); ++r) out[r] = Sigmoid(Margin(x.row(r)));
  return Status::Ok();
}

}  // namespace churnml
