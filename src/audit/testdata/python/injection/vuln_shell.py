import os
import os as o
import subprocess
from os import popen as pos
from subprocess import Popen


def run_job(name):
    os.system("convert " + name)  # expect: CML-I010 high
    o.popen(name)  # expect: CML-I010 high
    pos("ls " + name)  # expect: CML-I010 high
    subprocess.run(f"gzip {name}", shell=True)  # expect: CML-I011 high
    Popen(name, shell=True)  # expect: CML-I011 high


def literal_today():
    os.system("/bin/echo hi")  # expect: CML-I010 low
    subprocess.call("ls -l", shell=True)  # expect: CML-I011 low
    cmd = "uptime"
    os.popen(cmd)  # expect: CML-I010 low
