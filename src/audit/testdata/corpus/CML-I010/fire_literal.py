import os
# A constant command: reported at low severity (it may become a variable).
os.system("ls -l")
