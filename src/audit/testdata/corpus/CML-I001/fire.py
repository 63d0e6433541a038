def find(cur, user_id, name):
    cur.execute("SELECT * FROM users WHERE id = %s" % user_id)
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    cur.execute(
        "DELETE FROM users WHERE name = '" + name + "'"
    )
