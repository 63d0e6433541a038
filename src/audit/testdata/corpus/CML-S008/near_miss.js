const token = req.headers.authorization.replace("Bearer eyJ", "");
