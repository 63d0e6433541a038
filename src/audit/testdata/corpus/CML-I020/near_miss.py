import ast
model.eval()
value = ast.literal_eval(expr)
# eval(expr) would be unsafe here
