import json
model = json.load(open("model.json"))
pickled = False
