from flask import request


def find(cur, user_id, query, params):
    cur.execute("SELECT * FROM users WHERE id = %s", (user_id,))
    cur.execute(query, params)
    cur.execute(query)
    name = request.args["name"]
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    sql = "SELECT * FROM users"
    cur.execute(sql)
    message = "select " + "a column"
    return message
