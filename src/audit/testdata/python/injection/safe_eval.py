import ast


class Model:
    def eval(self):
        return self


def score(model, expr):
    model.eval()
    return ast.literal_eval(expr)
