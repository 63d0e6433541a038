import numpy as np
arr = np.load(path, allow_pickle=True)
