"""scikit-learn's HalvingRandomSearchCV over XGBClassifier: the Python peer of
`churnml tune` (docs/benchmarks.md, bench/tune_vs_sklearn.sh). Same split
(stratified 80/20, seed 42), same search ranges as churnml's declared XGBoost
space, halving on training rows (resource="n_samples", factor 3), 3-fold CV
ROC AUC, one core per fit and n_jobs parallel candidates. Also scores the
default XGBClassifier (churnml's defaults: 100 rounds, depth 6, eta 0.3) with
the same CV, and the refit best on the test split. Runs on Debian's
python3-sklearn and python3-xgboost; a benchmark baseline, not part of churnml.

  python3 bench/halving_reference.py DATA.csv N_CANDIDATES N_JOBS
"""
import json
import sys
import time

import pandas as pd
import xgboost
from scipy.stats import loguniform, randint, uniform
from sklearn.compose import ColumnTransformer
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import (HalvingRandomSearchCV, StratifiedKFold, cross_val_score,
                                     train_test_split)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]


def main(path, candidates, jobs):
    t0 = time.perf_counter()
    df = pd.read_csv(path, na_values=[" ", ""], keep_default_na=False)
    y = (df["Churn"] == "Yes").astype(int)
    x = df.drop(columns=["Churn", "customerID"])
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=42)
    categorical = [c for c in x.columns if c not in NUMERIC]
    pre = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                          ("scale", StandardScaler())]), NUMERIC),
        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])
    model = xgboost.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3,
                                  tree_method="hist", n_jobs=1, random_state=42)
    pipe = Pipeline([("pre", pre), ("model", model)])
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=42)
    default_cv = cross_val_score(pipe, x_train, y_train, cv=cv, scoring="roc_auc",
                                 n_jobs=jobs).mean()
    space = {
        "model__n_estimators": randint(50, 601),
        "model__max_depth": randint(2, 11),
        "model__learning_rate": loguniform(0.01, 0.3),
        "model__subsample": uniform(0.5, 0.5),
        "model__colsample_bytree": uniform(0.5, 0.5),
        "model__min_child_weight": loguniform(0.5, 20),
    }
    t1 = time.perf_counter()
    search = HalvingRandomSearchCV(pipe, space, n_candidates=candidates, factor=3,
                                   resource="n_samples", min_resources=300, cv=cv,
                                   scoring="roc_auc", random_state=42, n_jobs=jobs, refit=True)
    search.fit(x_train, y_train)
    search_seconds = time.perf_counter() - t1
    test_auc = roc_auc_score(y_test, search.predict_proba(x_test)[:, 1])
    print(json.dumps({"default_cv_roc_auc": default_cv,
                      "best_cv_roc_auc": search.best_score_,
                      "best_params": {k: float(v) for k, v in search.best_params_.items()},
                      "test_roc_auc": test_auc,
                      "candidates": candidates,
                      "search_seconds": search_seconds,
                      "total_seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
