import sys

from flask import request


def calc(expr, code):
    value = eval(expr)  # expect: CML-I020 high
    exec(code)  # expect: CML-I020 high
    exec("import this")  # expect: CML-I020 low
    return value


def from_request():
    formula = request.form["formula"]
    return eval(f"({formula}) * 2")  # expect: CML-I020 critical flow-from 14


def from_input():
    return eval(input("expression: "))  # expect: CML-I020 high flow-from 19
