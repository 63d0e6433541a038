import hashlib
checksum = hashlib.md5(blob, usedforsecurity=False).hexdigest()
digest = hashlib.sha256(data).hexdigest()
