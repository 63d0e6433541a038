import os
def convert(path):
    os.system("convert " + path)
    os.popen(f"ls {path}")
