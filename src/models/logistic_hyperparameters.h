// The declared hyperparameters of the "logistic" kind (LogisticRegression):
// what `churnml train` offers as flags and `churnml tune` searches.
// LogisticRegressionOptions::FromJson reads the same keys; a new key is an
// entry here plus its reading there.
#pragma once

#include "models/hyperparameters.h"

namespace churnml {

HyperparameterSpace LogisticHyperparameterSpace();

}  // namespace churnml
