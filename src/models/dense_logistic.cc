#include "models/dense_logistic.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

// The row kernels are built three times (AVX-512, AVX2+FMA, baseline) and
// the best for the CPU is picked when the library loads. GCC only: clang's
// builds (fuzzing, thread-safety analysis) get the baseline.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define CHURNML_VECTOR_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CHURNML_VECTOR_CLONES
#endif

namespace churnml {

namespace {

// Rows below which one thread does the whole pass (a thread start costs more
// than the pass).
constexpr size_t kRowsPerThread = 16384;
// Armijo constants: l2 as in most Newton codes, l1 as liblinear's newGLMNET.
constexpr double kL2Armijo = 1e-4;
constexpr double kL1Armijo = 0.01;
constexpr int kMaxLineSearchSteps = 40;
constexpr int kMaxInnerSweeps = 1000;
constexpr double kL1HessianShift = 1e-12;  // liblinear's nu for newGLMNET

// How the solver sees a CompactFeatureMatrix: in a "paired" coordinate
// space where adjacent one-hot blocks A and B (widths a, b) become one block
// of (a + 1) * (b + 1) levels (each member's level or "none"), so a row has
// half as many one-hot entries and its Hessian update a quarter as many
// pairs (for Telco 13 entries, 91 pairs, instead of 21 and 231: the update
// is bound by stores). A weight there is the sum of its members' weights;
// gradients and Hessians come back through `columns`.
struct CompactLayout {
  static constexpr uint32_t kNone = 0xFFFFFFFF;
  const CompactFeatureMatrix* x = nullptr;
  size_t dim = 0;  // paired coordinates, the intercept last
  struct Group {
    size_t first = 0;          // block index
    size_t second = kNone;     // block index, or kNone: a single block
    size_t second_levels = 1;  // second block's width + 1
    size_t offset = 0;         // first paired coordinate
  };
  std::vector<size_t> numeric_position;  // per numeric column
  std::vector<Group> groups;
  // Per paired coordinate: the original columns it stands for (kNone: none).
  std::vector<std::array<uint32_t, 2>> columns;
};

struct Problem {
  const double* x = nullptr;  // rows x d, row-major; null when `compact` is set
  const CompactLayout* compact = nullptr;
  size_t rows = 0;
  size_t d = 0;  // features; the weight vector has d + 1 entries (intercept last)
  const uint8_t* y = nullptr;
  double c_pos = 1.0;
  double c_neg = 1.0;
};

inline double RowDot(const double* a, const double* b, size_t d) {
  // Eight partial sums so the compiler vectorises without reassociating.
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t j = 0;
  for (; j + 8 <= d; j += 8) {
    for (size_t k = 0; k < 8; ++k) acc[k] += a[j + k] * b[j + k];
  }
  double tail = 0;
  for (; j < d; ++j) tail += a[j] * b[j];
  return tail + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

// log(1 + exp(-t)) and sigmoid(t), without overflow for any finite t.
inline void LogisticTerms(double t, double* loss, double* sigmoid) {
  if (t >= 0) {
    const double e = std::exp(-t);
    *loss = std::log1p(e);
    *sigmoid = 1.0 / (1.0 + e);
  } else {
    const double e = std::exp(t);
    *loss = -t + std::log1p(e);
    *sigmoid = e / (1.0 + e);
  }
}

inline double LogisticLoss(double t) {
  return t >= 0 ? std::log1p(std::exp(-t)) : -t + std::log1p(std::exp(t));
}

// Rows [begin, end): z_r = w . x_r + b; adds the weighted loss to *loss, its
// gradient to grad (d + 1) and, when hess is not null, its Hessian to hess
// ((d + 1) x (d + 1), row-major, both triangles).
CHURNML_VECTOR_CLONES
void LossGradientHessian(const Problem& p, const double* w, size_t begin, size_t end, double* z,
                         double* loss, double* grad, double* hess) {
  const size_t d = p.d;
  const size_t stride = d + 1;
  double loss_sum = 0;
  for (size_t r = begin; r < end; ++r) {
    const double* row = p.x + r * d;
    const double zr = RowDot(row, w, d) + w[d];
    z[r] = zr;
    const bool positive = p.y[r] != 0;
    const double yr = positive ? 1.0 : -1.0;
    const double cr = positive ? p.c_pos : p.c_neg;
    double l, s;
    LogisticTerms(yr * zr, &l, &s);
    loss_sum += cr * l;
    const double dz = cr * (s - 1.0) * yr;
    for (size_t j = 0; j < d; ++j) grad[j] += dz * row[j];
    grad[d] += dz;
    if (hess == nullptr) continue;
    const double dd = cr * s * (1.0 - s);
    for (size_t a = 0; a < d; ++a) {
      const double xa = row[a];
      if (xa == 0.0) continue;  // one-hot blocks are mostly zero
      const double sa = dd * xa;
      double* h = hess + a * stride;
      for (size_t b = 0; b < d; ++b) h[b] += sa * row[b];
      h[d] += sa;
    }
    double* h = hess + d * stride;
    for (size_t b = 0; b < d; ++b) h[b] += dd * row[b];
    h[d] += dd;
  }
  *loss += loss_sum;
}

// Row r of a compact matrix as (paired coordinate, value) non-zeros, the
// intercept's last. Returns the count.
inline size_t CompactRow(const CompactLayout& layout, size_t r, uint32_t* index, double* value) {
  const CompactFeatureMatrix& x = *layout.x;
  const double* numbers = x.numbers(r);
  const uint16_t* codes = x.codes(r);
  size_t n = 0;
  for (size_t k = 0; k < layout.numeric_position.size(); ++k) {
    index[n] = static_cast<uint32_t>(layout.numeric_position[k]);
    value[n++] = numbers[k];
  }
  const std::vector<CompactFeatureMatrix::Block>& blocks = x.blocks();
  for (const CompactLayout::Group& g : layout.groups) {
    const uint16_t first = codes[g.first];
    if (g.second == CompactLayout::kNone) {
      if (first == CompactFeatureMatrix::kNoCategory) continue;
      index[n] = static_cast<uint32_t>(g.offset + first);
      value[n++] = 1.0;
      continue;
    }
    const uint16_t second = codes[g.second];
    if (first == CompactFeatureMatrix::kNoCategory && second == CompactFeatureMatrix::kNoCategory) {
      continue;
    }
    const size_t a = first == CompactFeatureMatrix::kNoCategory ? blocks[g.first].width : first;
    const size_t b = second == CompactFeatureMatrix::kNoCategory ? blocks[g.second].width : second;
    index[n] = static_cast<uint32_t>(g.offset + a * g.second_levels + b);
    value[n++] = 1.0;
  }
  index[n] = static_cast<uint32_t>(layout.dim - 1);
  value[n++] = 1.0;
  return n;
}

// LossGradientHessian for a compact matrix, in paired coordinates (w is
// paired too): each pair of a row's non-zeros is added once, to either
// triangle (the caller folds them: H[p][q] = acc[p][q] + acc[q][p]).
void CompactLossGradientHessian(const Problem& p, const double* w, size_t begin, size_t end,
                                double* z, double* loss, double* grad, double* hess) {
  const CompactLayout& layout = *p.compact;
  const size_t stride = layout.dim;
  const size_t most = layout.numeric_position.size() + layout.groups.size() + 1;
  std::vector<uint32_t> index(most);
  std::vector<double> value(most);
  double loss_sum = 0;
  for (size_t r = begin; r < end; ++r) {
    const size_t n = CompactRow(layout, r, index.data(), value.data());
    double zr = 0;
    for (size_t k = 0; k < n; ++k) zr += w[index[k]] * value[k];
    z[r] = zr;
    const bool positive = p.y[r] != 0;
    const double yr = positive ? 1.0 : -1.0;
    const double cr = positive ? p.c_pos : p.c_neg;
    double l, s;
    LogisticTerms(yr * zr, &l, &s);
    loss_sum += cr * l;
    const double dz = cr * (s - 1.0) * yr;
    for (size_t k = 0; k < n; ++k) grad[index[k]] += dz * value[k];
    if (hess == nullptr) continue;
    const double dd = cr * s * (1.0 - s);
    for (size_t a = 0; a < n; ++a) {
      const double sa = dd * value[a];
      double* h = hess + index[a] * stride;
      for (size_t b = 0; b <= a; ++b) h[index[b]] += sa * value[b];
    }
  }
  *loss += loss_sum;
}

void CompactProject(const Problem& p, const double* dir, size_t begin, size_t end, double* q) {
  const CompactLayout& layout = *p.compact;
  const size_t most = layout.numeric_position.size() + layout.groups.size() + 1;
  std::vector<uint32_t> index(most);
  std::vector<double> value(most);
  for (size_t r = begin; r < end; ++r) {
    const size_t n = CompactRow(layout, r, index.data(), value.data());
    double qr = 0;
    for (size_t k = 0; k < n; ++k) qr += dir[index[k]] * value[k];
    q[r] = qr;
  }
}

// A vector over the original columns (and intercept) in paired coordinates.
std::vector<double> ToPaired(const CompactLayout& layout, const std::vector<double>& v) {
  std::vector<double> out(layout.dim, 0.0);
  for (size_t pos = 0; pos < layout.dim; ++pos) {
    for (uint32_t c : layout.columns[pos]) {
      if (c != CompactLayout::kNone) out[pos] += v[c];
    }
  }
  return out;
}

// q_r = dir . x_r + dir_intercept for rows [begin, end).
CHURNML_VECTOR_CLONES
void Project(const Problem& p, const double* dir, size_t begin, size_t end, double* q) {
  for (size_t r = begin; r < end; ++r) q[r] = RowDot(p.x + r * p.d, dir, p.d) + dir[p.d];
}

// The weighted loss at z + alpha * q over rows [begin, end).
double LossAlong(const Problem& p, const double* z, const double* q, double alpha, size_t begin,
                 size_t end) {
  double sum = 0;
  for (size_t r = begin; r < end; ++r) {
    const bool positive = p.y[r] != 0;
    const double t = (positive ? 1.0 : -1.0) * (z[r] + alpha * q[r]);
    sum += (positive ? p.c_pos : p.c_neg) * LogisticLoss(t);
  }
  return sum;
}

// Runs fn(block, begin, end) for `blocks` contiguous row ranges, block 0 on
// the calling thread. A thread that cannot be started runs its block inline.
template <typename Fn>
void ForEachBlock(size_t rows, size_t blocks, const Fn& fn) {
  auto range = [&](size_t b) { return std::pair(rows * b / blocks, rows * (b + 1) / blocks); };
  std::vector<std::thread> workers;
  for (size_t b = 1; b < blocks; ++b) {
    // Plain variables, not a structured binding: clang 14 cannot capture one.
    const size_t begin = range(b).first;
    const size_t end = range(b).second;
    try {
      workers.emplace_back([&fn, b, begin, end] { fn(b, begin, end); });
    } catch (const std::system_error&) {
      fn(b, begin, end);
    }
  }
  const auto [begin, end] = range(0);
  fn(0, begin, end);
  for (std::thread& t : workers) t.join();
}

double Norm2(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

double Norm1(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::abs(x);
  return s;
}

// Solves A x = b for a symmetric positive definite A (n x n, lower triangle
// read). False when A is not numerically positive definite.
bool CholeskySolve(std::vector<double> a, size_t n, const std::vector<double>& b,
                   std::vector<double>* x) {
  for (size_t j = 0; j < n; ++j) {
    double s = a[j * n + j];
    for (size_t k = 0; k < j; ++k) s -= a[j * n + k] * a[j * n + k];
    if (!(s > 0)) return false;
    const double diag = std::sqrt(s);
    a[j * n + j] = diag;
    for (size_t i = j + 1; i < n; ++i) {
      double t = a[i * n + j];
      for (size_t k = 0; k < j; ++k) t -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = t / diag;
    }
  }
  x->assign(b.begin(), b.end());
  for (size_t i = 0; i < n; ++i) {
    double t = (*x)[i];
    for (size_t k = 0; k < i; ++k) t -= a[i * n + k] * (*x)[k];
    (*x)[i] = t / a[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {
    double t = (*x)[i];
    for (size_t k = i + 1; k < n; ++k) t -= a[k * n + i] * (*x)[k];
    (*x)[i] = t / a[i * n + i];
  }
  return true;
}

// The smooth part (the weighted loss) over all rows, with per-thread
// accumulators added in block order.
class Passes {
 public:
  Passes(const Problem& p, size_t blocks)
      : p_(p),
        blocks_(blocks),
        dim_(p.d + 1),
        space_(p.compact != nullptr ? p.compact->dim : p.d + 1),
        z_(p.rows),
        q_(p.rows),
        partial_(blocks) {}

  // Loss, gradient and (optionally) Hessian of the loss at w; keeps z = Xw.
  void Evaluate(const std::vector<double>& w, bool with_hessian, double* loss,
                std::vector<double>* grad, std::vector<double>* hess) {
    for (Partial& part : partial_) {
      part.loss = 0;
      part.grad.assign(space_, 0.0);
      if (with_hessian) part.hess.assign(space_ * space_, 0.0);
    }
    std::vector<double> paired_w;
    if (p_.compact != nullptr) paired_w = ToPaired(*p_.compact, w);
    ForEachBlock(p_.rows, blocks_, [&](size_t b, size_t begin, size_t end) {
      Partial& part = partial_[b];
      if (p_.compact != nullptr) {
        CompactLossGradientHessian(p_, paired_w.data(), begin, end, z_.data(), &part.loss,
                                   part.grad.data(), with_hessian ? part.hess.data() : nullptr);
      } else {
        LossGradientHessian(p_, w.data(), begin, end, z_.data(), &part.loss, part.grad.data(),
                            with_hessian ? part.hess.data() : nullptr);
      }
    });
    *loss = 0;
    std::vector<double> sum_grad(space_, 0.0), sum_hess;
    if (with_hessian) sum_hess.assign(space_ * space_, 0.0);
    for (const Partial& part : partial_) {
      *loss += part.loss;
      for (size_t j = 0; j < space_; ++j) sum_grad[j] += part.grad[j];
      if (with_hessian) {
        for (size_t k = 0; k < space_ * space_; ++k) sum_hess[k] += part.hess[k];
      }
    }
    if (p_.compact == nullptr) {
      *grad = std::move(sum_grad);
      if (with_hessian) *hess = std::move(sum_hess);
      return;
    }
    // Back from paired coordinates to the columns each stands for.
    const CompactLayout& layout = *p_.compact;
    grad->assign(dim_, 0.0);
    for (size_t pos = 0; pos < space_; ++pos) {
      for (uint32_t c : layout.columns[pos]) {
        if (c != CompactLayout::kNone) (*grad)[c] += sum_grad[pos];
      }
    }
    if (!with_hessian) return;
    hess->assign(dim_ * dim_, 0.0);
    for (size_t a = 0; a < space_; ++a) {
      for (size_t b = 0; b < space_; ++b) {
        const double v =
            a == b ? sum_hess[a * space_ + a] : sum_hess[a * space_ + b] + sum_hess[b * space_ + a];
        if (v == 0.0) continue;
        for (uint32_t ca : layout.columns[a]) {
          if (ca == CompactLayout::kNone) continue;
          for (uint32_t cb : layout.columns[b]) {
            if (cb != CompactLayout::kNone) (*hess)[ca * dim_ + cb] += v;
          }
        }
      }
    }
  }

  // q = X dir (with the intercept), for LossAt.
  void SetDirection(const std::vector<double>& dir) {
    std::vector<double> paired_dir;
    if (p_.compact != nullptr) paired_dir = ToPaired(*p_.compact, dir);
    ForEachBlock(p_.rows, blocks_, [&](size_t, size_t begin, size_t end) {
      if (p_.compact != nullptr) {
        CompactProject(p_, paired_dir.data(), begin, end, q_.data());
      } else {
        Project(p_, dir.data(), begin, end, q_.data());
      }
    });
  }

  // The loss at w + alpha * dir for the w of the last Evaluate and the
  // direction of the last SetDirection.
  double LossAt(double alpha) {
    std::vector<double> sums(blocks_, 0.0);
    ForEachBlock(p_.rows, blocks_, [&](size_t b, size_t begin, size_t end) {
      sums[b] = LossAlong(p_, z_.data(), q_.data(), alpha, begin, end);
    });
    double total = 0;
    for (double s : sums) total += s;
    return total;
  }

 private:
  struct Partial {
    double loss = 0;
    std::vector<double> grad;
    std::vector<double> hess;
  };
  const Problem& p_;
  size_t blocks_;
  size_t dim_;    // d + 1
  size_t space_;  // coordinates of the passes: dim_, or the compact layout's paired ones
  std::vector<double> z_;
  std::vector<double> q_;
  std::vector<Partial> partial_;
};

double HalfSquaredNorm(const std::vector<double>& w) {
  double s = 0;
  for (double v : w) s += v * v;
  return 0.5 * s;
}

void FitL2(Passes& passes, size_t dim, double eps, int max_iter, DenseLogisticFit* fit,
           std::vector<double>* w) {
  w->assign(dim, 0.0);
  double loss = 0;
  std::vector<double> g, h, grad(dim), dir, trial(dim);
  passes.Evaluate(*w, true, &loss, &g, &h);
  const double gnorm0 = Norm2(g);  // w = 0: the gradient is the loss's
  for (fit->iterations = 0; fit->iterations < max_iter; ++fit->iterations) {
    for (size_t j = 0; j < dim; ++j) grad[j] = g[j] + (*w)[j];
    if (Norm2(grad) <= eps * gnorm0) {
      fit->converged = true;
      return;
    }
    for (size_t j = 0; j < dim; ++j) h[j * dim + j] += 1.0;
    std::vector<double> minus_grad(dim);
    for (size_t j = 0; j < dim; ++j) minus_grad[j] = -grad[j];
    if (!CholeskySolve(h, dim, minus_grad, &dir)) dir = minus_grad;
    double slope = 0;
    for (size_t j = 0; j < dim; ++j) slope += grad[j] * dir[j];
    if (!(slope < 0)) return;  // no descent direction left at this precision
    const double f = HalfSquaredNorm(*w) + loss;
    passes.SetDirection(dir);
    bool accepted = false;
    double alpha = 1.0;
    for (int step = 0; step < kMaxLineSearchSteps; ++step, alpha *= 0.5) {
      for (size_t j = 0; j < dim; ++j) trial[j] = (*w)[j] + alpha * dir[j];
      if (HalfSquaredNorm(trial) + passes.LossAt(alpha) <= f + kL2Armijo * alpha * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) return;
    *w = trial;
    passes.Evaluate(*w, true, &loss, &g, &h);
  }
}

// The minimum-norm subgradient of |w|_1 + L at w, given L's gradient g.
void MinNormSubgradient(const std::vector<double>& w, const std::vector<double>& g,
                        std::vector<double>* out) {
  out->resize(w.size());
  for (size_t j = 0; j < w.size(); ++j) {
    if (w[j] > 0) {
      (*out)[j] = g[j] + 1.0;
    } else if (w[j] < 0) {
      (*out)[j] = g[j] - 1.0;
    } else {
      (*out)[j] = std::max(std::abs(g[j]) - 1.0, 0.0);
    }
  }
}

// newGLMNET's inner problem: min_d g.d + 0.5 d'Hd + |w + d|_1 by cyclic
// coordinate descent on the explicit Hessian, until the subgradient
// violation falls to `tolerance`.
void SolveL1Subproblem(const std::vector<double>& w, const std::vector<double>& g,
                       const std::vector<double>& h, size_t dim, double tolerance,
                       std::vector<double>* dir) {
  dir->assign(dim, 0.0);
  std::vector<double> hd(dim, 0.0);
  for (int sweep = 0; sweep < kMaxInnerSweeps; ++sweep) {
    double violation = 0;
    for (size_t j = 0; j < dim; ++j) {
      const double hjj = h[j * dim + j];
      const double gj = g[j] + hd[j];
      const double u = w[j] + (*dir)[j];
      if (u > 0) {
        violation += std::abs(gj + 1.0);
      } else if (u < 0) {
        violation += std::abs(gj - 1.0);
      } else {
        violation += std::max(std::abs(gj) - 1.0, 0.0);
      }
      double step;
      if (gj + 1.0 <= hjj * u) {
        step = -(gj + 1.0) / hjj;
      } else if (gj - 1.0 >= hjj * u) {
        step = -(gj - 1.0) / hjj;
      } else {
        step = -u;
      }
      if (std::abs(step) < 1e-15) continue;
      step = std::clamp(step, -10.0, 10.0);  // liblinear's bound on one move
      (*dir)[j] += step;
      const double* column = &h[j * dim];  // symmetric: row j is column j
      for (size_t k = 0; k < dim; ++k) hd[k] += step * column[k];
    }
    if (violation <= tolerance) return;
  }
}

void FitL1(Passes& passes, size_t dim, double eps, int max_iter, DenseLogisticFit* fit,
           std::vector<double>* w) {
  w->assign(dim, 0.0);
  double loss = 0;
  std::vector<double> g, h, sub, dir, trial(dim);
  passes.Evaluate(*w, true, &loss, &g, &h);
  MinNormSubgradient(*w, g, &sub);
  const double gnorm0 = Norm1(sub);
  for (fit->iterations = 0; fit->iterations < max_iter; ++fit->iterations) {
    MinNormSubgradient(*w, g, &sub);
    const double gnorm = Norm1(sub);
    if (gnorm <= eps * gnorm0) {
      fit->converged = true;
      return;
    }
    for (size_t j = 0; j < dim; ++j) h[j * dim + j] += kL1HessianShift;
    SolveL1Subproblem(*w, g, h, dim, 1e-3 * gnorm, &dir);
    double delta = Norm1(*w) * -1.0;
    for (size_t j = 0; j < dim; ++j) delta += g[j] * dir[j] + std::abs((*w)[j] + dir[j]);
    if (!(delta < 0)) return;  // no descent direction left at this precision
    const double f = Norm1(*w) + loss;
    passes.SetDirection(dir);
    bool accepted = false;
    double alpha = 1.0;
    for (int step = 0; step < kMaxLineSearchSteps; ++step, alpha *= 0.5) {
      for (size_t j = 0; j < dim; ++j) trial[j] = (*w)[j] + alpha * dir[j];
      if (Norm1(trial) + passes.LossAt(alpha) - f <= kL1Armijo * alpha * delta) {
        accepted = true;
        break;
      }
    }
    if (!accepted) return;
    *w = trial;
    passes.Evaluate(*w, true, &loss, &g, &h);
  }
}

Status CheckSettings(const DenseLogisticSettings& s) {
  auto positive = [](double v) { return v > 0.0 && std::isfinite(v); };
  if (!positive(s.c)) return InvalidArgumentError("dense logistic: C must be a positive number");
  if (!positive(s.positive_weight) || !positive(s.negative_weight)) {
    return InvalidArgumentError("dense logistic: class weights must be positive numbers");
  }
  if (!positive(s.tol))
    return InvalidArgumentError("dense logistic: tol must be a positive number");
  if (s.max_iter <= 0) return InvalidArgumentError("dense logistic: max_iter must be positive");
  if (s.threads < 0) return InvalidArgumentError("dense logistic: threads must be 0 or more");
  return Status::Ok();
}

}  // namespace

namespace {

// Checks shared by both matrix forms; fills the problem's labels and costs.
Status CheckProblem(size_t rows, size_t d, std::span<const uint8_t> labels,
                    const DenseLogisticSettings& settings, Problem* p) {
  CHURNML_RETURN_IF_ERROR(CheckSettings(settings));
  if (labels.size() != rows) {
    return InvalidArgumentError("dense logistic: " + std::to_string(labels.size()) +
                                " labels for " + std::to_string(rows) + " rows");
  }
  if (rows == 0 || d == 0) return InvalidArgumentError("dense logistic: no training data");
  if (d > kDenseLogisticMaxFeatures) {
    return InvalidArgumentError(
        "dense logistic: " + std::to_string(d) + " features, the dense solver takes at most " +
        std::to_string(kDenseLogisticMaxFeatures) + " (use solver \"liblinear\")");
  }
  p->rows = rows;
  p->d = d;
  p->y = labels.data();
  p->c_pos = settings.c * settings.positive_weight;
  p->c_neg = settings.c * settings.negative_weight;
  return Status::Ok();
}

// Pairs adjacent one-hot blocks while the pair has at most kMaxPairLevels
// levels (the paired Hessian stays small: Telco's is 101 x 101).
constexpr size_t kMaxPairLevels = 64;

Result<CompactLayout> PairedLayout(const CompactFeatureMatrix& x) {
  CompactLayout layout;
  layout.x = &x;
  auto add = [&](uint32_t a, uint32_t b) { layout.columns.push_back({a, b}); };
  for (size_t column : x.numeric_columns()) {
    layout.numeric_position.push_back(layout.columns.size());
    add(static_cast<uint32_t>(column), CompactLayout::kNone);
  }
  const std::vector<CompactFeatureMatrix::Block>& blocks = x.blocks();
  for (size_t i = 0; i < blocks.size();) {
    CompactLayout::Group g;
    g.first = i;
    g.offset = layout.columns.size();
    const size_t first_levels = blocks[i].width + 1;
    if (i + 1 < blocks.size() && first_levels * (blocks[i + 1].width + 1) <= kMaxPairLevels) {
      g.second = i + 1;
      g.second_levels = blocks[i + 1].width + 1;
      for (size_t a = 0; a < first_levels; ++a) {
        for (size_t b = 0; b < g.second_levels; ++b) {
          add(a < blocks[i].width ? static_cast<uint32_t>(blocks[i].offset + a)
                                  : CompactLayout::kNone,
              b < blocks[i + 1].width ? static_cast<uint32_t>(blocks[i + 1].offset + b)
                                      : CompactLayout::kNone);
        }
      }
      i += 2;
    } else {
      for (size_t a = 0; a < blocks[i].width; ++a) {
        add(static_cast<uint32_t>(blocks[i].offset + a), CompactLayout::kNone);
      }
      i += 1;
    }
    layout.groups.push_back(g);
  }
  add(static_cast<uint32_t>(x.cols()), CompactLayout::kNone);  // the intercept
  layout.dim = layout.columns.size();
  // Every original column once among the coordinates that stand alone or in
  // pairs: a block's width must fit the codes.
  for (const CompactFeatureMatrix::Block& b : blocks) {
    if (b.offset + b.width > x.cols() || b.width >= CompactFeatureMatrix::kMaxBlockWidth) {
      return InvalidArgumentError("dense logistic: a one-hot block lies outside the matrix");
    }
  }
  return layout;
}

Result<DenseLogisticFit> Solve(const Problem& p, const DenseLogisticSettings& settings) {
  const size_t rows = p.rows;
  const size_t d = p.d;
  size_t positives = 0;
  for (size_t r = 0; r < rows; ++r) positives += p.y[r] != 0 ? 1 : 0;
  if (positives == 0 || positives == rows) {
    return InvalidArgumentError("dense logistic: the training labels contain only one class");
  }
  size_t threads = settings.threads > 0 ? static_cast<size_t>(settings.threads)
                                        : std::max(1u, std::thread::hardware_concurrency());
  threads = std::clamp<size_t>(rows / kRowsPerThread, 1, threads);

  const double minority = static_cast<double>(std::min(positives, rows - positives));
  const double eps = settings.tol * std::max(minority, 1.0) / static_cast<double>(rows);

  Passes passes(p, threads);
  DenseLogisticFit fit;
  std::vector<double> w;
  if (settings.penalty == Penalty::kL2) {
    FitL2(passes, d + 1, eps, settings.max_iter, &fit, &w);
  } else {
    FitL1(passes, d + 1, eps, settings.max_iter, &fit, &w);
  }
  for (double v : w) {
    if (!std::isfinite(v)) {
      return InternalError("dense logistic: the fit produced a non-finite weight");
    }
  }
  fit.intercept = w[d];
  w.resize(d);
  fit.weights = std::move(w);
  return fit;
}

}  // namespace

Result<DenseLogisticFit> FitDenseLogistic(const FeatureMatrix& x, std::span<const uint8_t> labels,
                                          const DenseLogisticSettings& settings) {
  Problem p;
  CHURNML_RETURN_IF_ERROR(CheckProblem(x.rows(), x.cols(), labels, settings, &p));
  p.x = x.values().data();
  return Solve(p, settings);
}

Result<DenseLogisticFit> FitDenseLogistic(const CompactFeatureMatrix& x,
                                          std::span<const uint8_t> labels,
                                          const DenseLogisticSettings& settings) {
  Problem p;
  CHURNML_RETURN_IF_ERROR(CheckProblem(x.rows(), x.cols(), labels, settings, &p));
  CHURNML_ASSIGN_OR_RETURN(CompactLayout layout, PairedLayout(x));
  p.compact = &layout;
  return Solve(p, settings);
}

}  // namespace churnml
