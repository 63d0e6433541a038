app.get("/file", (req, res) => {
  res.sendFile(path.join(__dirname, req.query.name));
});
