async function find(db, id) {
  return db.query("SELECT * FROM users WHERE id = $1", [id]);
}
