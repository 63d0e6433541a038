import torch
state = torch.load(path)
