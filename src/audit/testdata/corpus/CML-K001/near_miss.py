DEBUG = os.environ.get("DEBUG") == "1"
app.run(host="127.0.0.1", debug=False)
logger.debug("started")
