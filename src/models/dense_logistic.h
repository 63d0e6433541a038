// A dense solver for liblinear's logistic regression problems, working in
// place on the FeatureMatrix's contiguous row-major doubles (no copy).
//
// The objective is liblinear 2.3's, so the optimum is the same:
//   l2:  0.5 * |w|^2 + sum_i C_i * log(1 + exp(-y_i * (w . x_i + b)))
//   l1:  |w|_1       + sum_i C_i * log(1 + exp(-y_i * (w . x_i + b)))
// where w includes the intercept b (the weight of a constant feature 1, which
// liblinear 2.3 regularizes like every other weight), y_i is +1 or -1 and
// C_i = C * (class weight of y_i).
//
// Method: Newton's method with the exact Hessian. With few features (the
// Telco problem has 46) the (d+1)^2 Hessian costs one pass over the rows,
// the same as a gradient, and every solve on it is free; liblinear's
// trust-region Newton instead pays a full pass for every conjugate-gradient
// step. l2: Newton direction by Cholesky (the Hessian is I + X'DX, positive
// definite), Armijo backtracking line search. l1: newGLMNET (Yuan, Ho, Lin
// 2012, what liblinear's L1R_LR implements): the quadratic model plus |w|_1
// minimised by coordinate descent on the explicit Hessian, then the same
// sufficient-decrease line search as liblinear.
//
// Stopping rule: liblinear's. l2: |grad f(w)|_2 <= eps * |grad f(0)|_2; l1:
// the l1 norm of the minimum-norm subgradient <= eps times its value at
// w = 0; eps = tol * max(min(#pos, #neg), 1) / n.
//
// Each pass splits the rows into one contiguous block per thread; partial
// sums are added in thread order, so the same thread count gives the same
// bits. The row kernels are compiled for AVX-512, AVX2 and baseline x86-64
// and chosen at load time (GCC target_clones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "features/compact_feature_matrix.h"
#include "features/feature_matrix.h"

namespace churnml {

enum class Penalty { kL1, kL2 };

// The Hessian is (d+1)^2 doubles per thread and a pass costs rows * nnz * d:
// beyond this many features liblinear's sparse solvers are the better tool.
inline constexpr size_t kDenseLogisticMaxFeatures = 512;

struct DenseLogisticSettings {
  Penalty penalty = Penalty::kL2;
  double c = 1.0;                // inverse regularization strength, > 0
  double positive_weight = 1.0;  // C multiplier for label 1 rows, > 0
  double negative_weight = 1.0;  // C multiplier for label 0 rows, > 0
  double tol = 1e-2;             // liblinear's eps (see the stopping rule above)
  int max_iter = 1000;           // Newton iterations, > 0
  int threads = 0;               // 0: one per core; small inputs use one
};

struct DenseLogisticFit {
  std::vector<double> weights;  // one per FeatureMatrix column
  double intercept = 0.0;
  int iterations = 0;      // Newton iterations made
  bool converged = false;  // the stopping rule was met (else max_iter or no progress)
};

// Fits on `x` (finite values, checked by the caller) and 0/1 `labels`.
// InvalidArgument for a shape mismatch, no rows, a single class, more than
// kDenseLogisticMaxFeatures columns or bad settings. Not reaching the
// tolerance within max_iter is not an error (liblinear's behaviour too):
// the fit reports converged = false.
Result<DenseLogisticFit> FitDenseLogistic(const FeatureMatrix& x, std::span<const uint8_t> labels,
                                          const DenseLogisticSettings& settings);

// The same fit on the compact form of the matrix (finite values, checked by
// the caller): each pass touches only a row's non-zeros (for Telco 21 of 47
// entries, from 48 bytes instead of 368). The same optimum as on
// Densify(); sums run in another order, so not the same bits.
Result<DenseLogisticFit> FitDenseLogistic(const CompactFeatureMatrix& x,
                                          std::span<const uint8_t> labels,
                                          const DenseLogisticSettings& settings);

}  // namespace churnml
