const { exec } = require("child_process");
exec(`convert ${req.query.file} out.png`);
