import sqlite3

import pandas as pd
from flask import request
from sqlalchemy import text


def find(cur, user_id, name):
    cur.execute("SELECT * FROM users WHERE id = %s" % user_id)  # expect: CML-I001 high
    query = f"SELECT * FROM users WHERE name = '{name}'"
    cur.execute(query)  # expect: CML-I001 high
    pd.read_sql("SELECT * FROM t WHERE a = " + name, cur)  # expect: CML-I001 high
    cur.execute(text("DELETE FROM users WHERE id = {}".format(user_id)))  # expect: CML-I001 high


def search():
    term = request.args["q"]
    conn = sqlite3.connect("app.db")
    conn.execute("SELECT * FROM items WHERE name LIKE '%" + term + "%'")  # expect: CML-I001 critical flow-from 17


def report(table):
    sql = "SELECT count(*) FROM " + table  # expect: CML-I003 medium
    return sql
