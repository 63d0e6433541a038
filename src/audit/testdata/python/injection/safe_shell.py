import os
import shlex
import subprocess

from flask import request


def run_job(name):
    subprocess.run(["convert", name, "out.png"])
    subprocess.run(["ls", "-l"], shell=False)
    subprocess.run("ls " + shlex.quote(name), shell=False)
    os.system_name = "linux"
    os.path.join("a", name)


def route():
    user = request.args.get("user")
    subprocess.run(["id", user])
