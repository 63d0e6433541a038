// The churn signal of the synthetic generator: churn probability is
// sigmoid(kIntercept + sum of the terms below that apply to a customer).
// A logistic model trained on generated data should recover these signs
// (tests in the models/pipeline layers read this table):
//   Contract=Month-to-month      +   (Two year strongly −)
//   tenure                       −   (per month)
//   InternetService=Fiber optic  +   (No internet −)
//   PaymentMethod=Electronic check +
//   MonthlyCharges               +   (per dollar above 65)
//   TechSupport=Yes, OnlineSecurity=Yes  −
//   SeniorCitizen                +
//   PaperlessBilling=Yes         +
#pragma once

#include <span>
#include <string_view>

namespace churnml {

struct ChurnSignalTerm {
  std::string_view column;
  // The category the term applies to; empty for a numeric column, where the
  // weight multiplies (value − center).
  std::string_view level;
  double weight;
  double center = 0;
};

inline constexpr double kChurnSignalIntercept = -1.03;

inline constexpr ChurnSignalTerm kChurnSignalTerms[] = {
    {"Contract", "Month-to-month", 0.95},
    {"Contract", "Two year", -1.2},
    {"tenure", "", -0.035, 0},
    {"InternetService", "Fiber optic", 0.75},
    {"InternetService", "No", -0.55},
    {"PaymentMethod", "Electronic check", 0.55},
    {"MonthlyCharges", "", 0.012, 65},
    {"TechSupport", "Yes", -0.45},
    {"OnlineSecurity", "Yes", -0.45},
    {"SeniorCitizen", "", 0.35, 0},
    {"PaperlessBilling", "Yes", 0.25},
};

inline std::span<const ChurnSignalTerm> ChurnSignalTerms() { return kChurnSignalTerms; }

}  // namespace churnml
