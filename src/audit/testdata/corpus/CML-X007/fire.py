from jinja2 import Environment
env = Environment(loader=loader, autoescape=False)
