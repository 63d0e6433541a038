import subprocess
def run(cmd, name):
    subprocess.run(cmd, shell=True)
    subprocess.check_output(
        f"grep {name} /etc/passwd",
        shell=True,
    )
