"""The Python serving stack `churnml serve` is measured against (docs/benchmarks.md).

A FastAPI app served by uvicorn, scoring with the same scikit-learn Pipeline
bench/python_reference.py trains (median imputation + standard scaling for
numbers, one-hot for categories, LogisticRegression), written the way users
typically write it: a pydantic model per customer, a pandas DataFrame per
request, pipe.predict_proba. Same routes and response shapes as churnml:

  POST /predict        one customer  -> {"customerID","probability","prediction","model","version"}
  POST /predict/batch  {"customers":[...]} -> {"model","version","results":[...]}
  GET  /ready          {"ready":true} once the model is loaded

Runs on Debian's python3-fastapi, python3-uvicorn (with python3-uvloop and
python3-httptools, what `pip install uvicorn[standard]` brings),
python3-sklearn and python3-pandas (bench/packages.txt). It is a benchmark
baseline, not part of churnml.

  CHURN_PEER_MODEL=model.pkl CHURN_PEER_DATA=data.csv \\
    /usr/bin/python3 -m uvicorn --app-dir bench python_serve_reference:app \\
    --port 8001 --workers 2 --no-access-log

The model is loaded from CHURN_PEER_MODEL (a pickle written by
`python_reference.py train-logistic`); if that file does not exist it is
trained on CHURN_PEER_DATA and written there.
"""
import os
import pickle
import sys
from typing import List, Optional, Union

import pandas as pd
from fastapi import FastAPI
from pydantic import BaseModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import python_reference  # noqa: E402  (the same pipeline as the batch baseline)

MODEL_PATH = os.environ.get("CHURN_PEER_MODEL", "peer-logistic.pkl")
DATA_PATH = os.environ.get("CHURN_PEER_DATA", "data.csv")
THRESHOLD = 0.5


class Customer(BaseModel):
    customerID: Optional[str] = None
    gender: str
    SeniorCitizen: int
    Partner: str
    Dependents: str
    tenure: int
    PhoneService: str
    MultipleLines: str
    InternetService: str
    OnlineSecurity: str
    OnlineBackup: str
    DeviceProtection: str
    TechSupport: str
    StreamingTV: str
    StreamingMovies: str
    Contract: str
    PaperlessBilling: str
    PaymentMethod: str
    MonthlyCharges: float
    TotalCharges: Optional[Union[float, str]] = None


class Batch(BaseModel):
    customers: List[Customer]


def load_model():
    if not os.path.exists(MODEL_PATH):
        python_reference.train("logistic", DATA_PATH, MODEL_PATH)
    with open(MODEL_PATH, "rb") as f:
        # churnml:ignore CML-D001 -- the baseline reads back the pickle its own train step wrote
        return pickle.load(f)


pipe = load_model()
app = FastAPI(title="churn peer")


def to_frame(customers):
    df = pd.DataFrame([c.dict() for c in customers])
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"], errors="coerce")
    return df


@app.get("/ready")
def ready():
    return {"ready": True}


@app.post("/predict")
def predict(customer: Customer):
    df = to_frame([customer])
    p = float(pipe.predict_proba(df)[0, 1])
    return {"customerID": customer.customerID, "probability": p,
            "prediction": int(p >= THRESHOLD), "model": "churn", "version": "1"}


@app.post("/predict/batch")
def predict_batch(batch: Batch):
    df = to_frame(batch.customers)
    probs = pipe.predict_proba(df)[:, 1]
    results = [{"customerID": c.customerID, "probability": float(p),
                "prediction": int(p >= THRESHOLD)}
               for c, p in zip(batch.customers, probs)]
    return {"model": "churn", "version": "1", "results": results}
