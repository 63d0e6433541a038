import os
os.system_name = "linux"
