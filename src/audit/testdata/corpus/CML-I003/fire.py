def build(table, name):
    sql = "SELECT * FROM " + table
    other = f"DELETE FROM users WHERE name = '{name}'"
    return sql, other
