import os
import sys
import tarfile

from flask import request
from werkzeug.utils import safe_join, secure_filename


def download():
    name = request.args["name"]
    return open(safe_join("/data", name))


def upload():
    f = request.files["file"]
    f.save(os.path.join("/uploads", secure_filename(f.filename)))


def cli():
    with open(sys.argv[1]) as f:
        return f.read()


def unpack(archive, dest):
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
