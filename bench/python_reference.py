"""The Python stack churnml is measured against (docs/benchmarks.md).

pandas read_csv + a scikit-learn pipeline (median imputation and standard
scaling for numbers, one-hot for categories) + LogisticRegression(solver=
"liblinear") or xgboost's XGBClassifier, as a user would write it. Runs on
Debian's python3-sklearn, python3-pandas and python3-xgboost (bench/run_benchmarks.sh
installs them); it is a benchmark baseline, not part of churnml.

  python3 bench/python_reference.py train-logistic DATA.csv MODEL.pkl
  python3 bench/python_reference.py train-xgboost  DATA.csv
  python3 bench/python_reference.py predict        MODEL.pkl DATA.csv OUT.csv
"""
import json
import pickle
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]


def read(path):
    return pd.read_csv(path, na_values=[" ", ""], keep_default_na=False)


def pipeline(df, model):
    categorical = [c for c in df.columns if c not in NUMERIC + ["customerID", "Churn"]]
    pre = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                          ("scale", StandardScaler())]), NUMERIC),
        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])
    return Pipeline([("pre", pre), ("model", model)])


def train(kind, data_path, model_path=None):
    t0 = time.perf_counter()
    df = read(data_path)
    t_read = time.perf_counter() - t0
    y = (df["Churn"] == "Yes").astype(int)
    x = df.drop(columns=["Churn"])
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=42)
    if kind == "logistic":
        model = LogisticRegression(solver="liblinear")
    else:
        import xgboost
        model = xgboost.XGBClassifier(n_estimators=100, max_depth=6, tree_method="hist",
                                      n_jobs=2)
    pipe = pipeline(df, model)
    t1 = time.perf_counter()
    pipe.fit(x_train, y_train)
    t_fit = time.perf_counter() - t1
    auc = roc_auc_score(y_test, pipe.predict_proba(x_test)[:, 1])
    total = time.perf_counter() - t0
    if model_path:
        with open(model_path, "wb") as f:
            pickle.dump(pipe, f)
    print(json.dumps({"kind": kind, "read_seconds": t_read, "fit_seconds": t_fit,
                      "total_seconds": total, "roc_auc": auc}))


def predict(model_path, data_path, out_path):
    with open(model_path, "rb") as f:
        # churnml:ignore CML-D001 -- the baseline reads back the pickle its own train step wrote
        pipe = pickle.load(f)
    t0 = time.perf_counter()
    df = read(data_path)
    t1 = time.perf_counter()
    p = pipe.predict_proba(df.drop(columns=["Churn"], errors="ignore"))[:, 1]
    t2 = time.perf_counter()
    pd.DataFrame({"customerID": df["customerID"], "probability": p,
                  "prediction": (p >= 0.5).astype(int)}).to_csv(out_path, index=False)
    t3 = time.perf_counter()
    print(json.dumps({"read_seconds": t1 - t0, "predict_seconds": t2 - t1,
                      "write_seconds": t3 - t2, "total_seconds": t3 - t0}))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "predict":
        predict(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        train(mode.split("-", 1)[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
