import hashlib
def hash_password(pw):
    return hashlib.md5(pw.encode()).hexdigest()
digest = hashlib.new("sha1", data)
