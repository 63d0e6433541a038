import yaml
config = yaml.safe_load(stream)
other = yaml.load(stream, Loader=yaml.SafeLoader)
