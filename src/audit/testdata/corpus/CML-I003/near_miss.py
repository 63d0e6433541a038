SQL = "SELECT * FROM users WHERE id = ?"
message = "select " + "a column"
