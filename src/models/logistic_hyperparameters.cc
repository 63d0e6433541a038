#include "models/logistic_hyperparameters.h"

#include "models/logistic_regression.h"

namespace churnml {

HyperparameterSpace LogisticHyperparameterSpace() {
  using T = HyperparameterType;
  HyperparameterSpace space;
  {
    HyperparameterSpec s = DeclareHyperparameter("penalty", T::kString, "l2");
    s.choices = {"l1", "l2"};
    s.search_choices = {"l1", "l2"};
    s.help = "regularization: l1 (sparse weights) or l2";
    space.push_back(std::move(s));
  }
  {
    HyperparameterSpec s = DeclareHyperparameter("C", T::kDouble, 1.0);
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1e6;
    s.search = SearchScale::kLog;
    s.search_min = 1e-3;
    s.search_max = 1e2;
    s.help = "inverse regularization strength (smaller = simpler model)";
    s.flag = "--C";
    space.push_back(std::move(s));
  }
  {
    HyperparameterSpec s = DeclareHyperparameter("solver", T::kString, "dense");
    s.choices = {"dense", "liblinear", "newton", "dual", "newglmnet", "auto"};
    s.help =
        "dense (Newton on the dense matrix, both cores; up to 512 features), liblinear (its "
        "newton for l2, newglmnet for l1), newton, dual or newglmnet; auto = liblinear";
    space.push_back(std::move(s));
  }
  {
    HyperparameterSpec s = DeclareHyperparameter("class_weight", T::kString, "none");
    s.choices = {"none", "balanced"};
    s.help =
        "balanced: each class weighs n / (2 * its count), so the minority class counts as much";
    space.push_back(std::move(s));
  }
  {
    HyperparameterSpec s = DeclareHyperparameter("tol", T::kDouble, 1e-2);
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1;
    s.help = "stopping tolerance (liblinear eps)";
    space.push_back(std::move(s));
  }
  {
    HyperparameterSpec s = DeclareHyperparameter("max_iter", T::kInt, kLiblinearFixedMaxIter);
    s.min = 1;
    s.max = 1000000;
    s.help = "Newton iteration cap of the dense solver (liblinear's solvers fix it at 1000)";
    space.push_back(std::move(s));
  }
  return space;
}

}  // namespace churnml
