def calc(expr, code):
    value = eval(expr)
    exec(code)
    return value
