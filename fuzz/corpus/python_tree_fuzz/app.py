"""A small service with a few deliberate problems (audit golden test data)."""
import os
import pickle
import subprocess

import yaml
from flask import Flask, request

app = Flask(__name__)
AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key


@app.post("/predict")
def predict():
    features = pickle.loads(request.data)
    config = yaml.load(open("config.yaml"))
    subprocess.run(f"echo {features}", shell=True)
    # churnml:ignore CML-I020 -- expression comes from our own config file
    score = eval(config["formula"])
    legacy = eval(config["legacy"])  # nosec
    return {"score": score, "legacy": legacy}


def cleanup(path):
    os.remove(path)  # churnml:ignore CML-P001 -- nothing to suppress here


if __name__ == "__main__":
    app.run(host="127.0.0.1", debug=True)
