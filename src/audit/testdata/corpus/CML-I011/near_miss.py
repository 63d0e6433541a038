import subprocess
subprocess.run(["ls", "-l"])
subprocess.run("ls -l", shell=True)
subprocess.run(cmd, shell=False)
