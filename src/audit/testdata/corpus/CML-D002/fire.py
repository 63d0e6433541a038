import pickle
from flask import request
@app.post("/predict")
def predict():
    features = pickle.loads(request.data)
