DB_PASSWORD = os.environ["DB_PASSWORD"]
password = "changeme"
token = "${API_TOKEN}"
if password == "hunter2hunter2":
    pass
secret_name = get_secret("db")
