app.get("/file", (req, res) => {
  res.sendFile(path.join(__dirname, "static", "index.html"));
});
