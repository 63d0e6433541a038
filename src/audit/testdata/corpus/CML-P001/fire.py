from flask import request, send_file
@app.route("/download")
def download():
    return send_file(os.path.join("/data", request.args["name"]))
def read():
    with open(request.args.get("path")) as f:
        return f.read()
