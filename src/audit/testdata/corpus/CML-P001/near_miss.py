from flask import request, send_file
from werkzeug.utils import safe_join
def download():
    name = request.args["name"]
    return send_file(safe_join("/data", name))
with open("config.yaml") as f:
    pass
