from flask import render_template_string, request
from jinja2 import Environment
from markupsafe import Markup


def greet(name):
    return Markup("<b>%s</b>" % name)  # expect: CML-X004 high


def hello():
    name = request.args["name"]
    return render_template_string("<h1>Hello " + name + "</h1>")  # expect: CML-X006 critical flow-from 11


env = Environment(autoescape=False)  # expect: CML-X007 medium
