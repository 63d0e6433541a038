import pickle

import joblib
import numpy as np
import torch
import yaml
from flask import request


def load_model(path):
    model = pickle.load(open(path, "rb"))  # expect: CML-D001 medium
    pipeline = joblib.load(path)  # expect: CML-D001 medium
    state = torch.load(path)  # expect: CML-D003 medium
    old = torch.load(path, weights_only=False)  # expect: CML-D003 medium
    config = yaml.load(open("c.yaml"))  # expect: CML-D004 high
    other = yaml.load(open("c.yaml"), Loader=yaml.Loader)  # expect: CML-D004 high
    arr = np.load(path, allow_pickle=True)  # expect: CML-D005 medium
    return model, pipeline, state, old, config, other, arr


def predict():
    body = request.get_data()
    features = pickle.loads(body)  # expect: CML-D002 critical flow-from 22
    return features
