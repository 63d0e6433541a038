import yaml
config = yaml.load(stream)
other = yaml.load(stream, Loader=yaml.Loader)
