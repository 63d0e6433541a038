import pickle, joblib
model = pickle.load(open("model.pkl", "rb"))
pipeline = joblib.load(path)
