import os
os.system("ls -l")
os.system_name = "linux"
