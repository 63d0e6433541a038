const { execFile } = require("child_process");
execFile("convert", [file, "out.png"]);
const m = /a+/.exec(text);
exec("ls -l");
