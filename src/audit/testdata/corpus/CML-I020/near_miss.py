import ast
model.eval()
value = ast.literal_eval(expr)
result = eval("1 + 2")
# eval(expr) would be unsafe here
