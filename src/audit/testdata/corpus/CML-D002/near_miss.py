import json
from flask import request
def predict():
    features = json.loads(request.data)
