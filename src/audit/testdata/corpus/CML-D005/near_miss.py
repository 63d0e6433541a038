import numpy as np
arr = np.load(path)
