from flask import render_template_string
from jinja2 import Environment, select_autoescape
from markupsafe import Markup

BANNER = Markup("<b>churnml</b>")
env = Environment(autoescape=select_autoescape())


def greet(name):
    return Markup("<b>{}</b>").format(name)


def hello(name):
    return render_template_string("<h1>Hello {{ name }}</h1>", name=name)
