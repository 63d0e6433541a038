import torch
state = torch.load(path, weights_only=True)
