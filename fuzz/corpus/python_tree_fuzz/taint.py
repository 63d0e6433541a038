import subprocess
import sys

from flask import Flask, request

app = Flask(__name__)


@app.route("/convert")
def convert():
    name = request.args.get("name")
    cmd = "convert " + name + " out.png"
    subprocess.run(cmd, shell=True)  # expect: CML-I011 critical flow-from 11
    return "ok"


def main():
    target = sys.argv[1]
    subprocess.run("ping -c 1 %s" % target, shell=True)  # expect: CML-I011 high flow-from 18


@app.get("/items/<item_id>")
def item(item_id):
    subprocess.check_output("grep {} items.txt".format(item_id), shell=True)  # expect: CML-I011 critical flow-from 23
