import subprocess
subprocess.run(["ls", "-l"])
subprocess.run(cmd, shell=False)
