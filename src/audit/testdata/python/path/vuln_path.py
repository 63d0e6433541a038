import os
import shutil

from flask import Flask, request, send_file

app = Flask(__name__)


@app.route("/download")
def download():
    return send_file(os.path.join("/data", request.args["name"]))  # expect: CML-P001 high flow-from 11


def read():
    path = request.args.get("path")
    with open(path) as f:  # expect: CML-P001 high flow-from 15
        return f.read()


@app.delete("/files/<name>")
def delete(name):
    shutil.rmtree("/srv/uploads/" + name)  # expect: CML-P001 high flow-from 21


def unpack(archive, dest):
    import tarfile
    with tarfile.open(archive) as tar:
        tar.extractall(dest)  # expect: CML-P003 medium
