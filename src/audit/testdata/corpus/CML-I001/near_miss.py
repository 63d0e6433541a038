def find(cur, user_id, query, params):
    cur.execute("SELECT * FROM users WHERE id = %s", (user_id,))
    cur.execute(query, params)
    cur.execute(query)
