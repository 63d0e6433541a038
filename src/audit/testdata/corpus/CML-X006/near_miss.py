from flask import render_template_string
def hello(name):
    return render_template_string("<h1>Hello {{ name }}</h1>", name=name)
