from jinja2 import Environment, select_autoescape
env = Environment(loader=loader, autoescape=select_autoescape())
