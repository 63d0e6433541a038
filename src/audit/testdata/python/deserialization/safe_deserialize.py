import json

import numpy as np
import torch
import yaml
from flask import request


def load(path):
    state = torch.load(path, weights_only=True)
    config = yaml.safe_load(open("c.yaml"))
    other = yaml.load(open("c.yaml"), Loader=yaml.SafeLoader)
    arr = np.load(path)
    return state, config, other, arr


def predict():
    return json.loads(request.data)


def roundtrip(model):
    import pickle
    copy = pickle.loads(pickle.dumps(model))
    blob = pickle.dumps(model)
    again = pickle.loads(blob)
    return copy, again
