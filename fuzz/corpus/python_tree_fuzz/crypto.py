import hashlib
import random
import ssl
from hashlib import md5 as weak_md5

import requests
from Crypto.Cipher import AES, DES
from cryptography.hazmat.primitives.ciphers.modes import ECB


def fingerprint(pw):
    a = hashlib.md5(pw.encode()).hexdigest()  # expect: CML-C001 medium
    b = weak_md5(pw.encode())  # expect: CML-C001 medium
    c = hashlib.new("sha1", pw.encode())  # expect: CML-C001 medium
    return a, b, c


def ciphers(key, iv):
    d = DES.new(key, DES.MODE_ECB)  # expect: CML-C003 high
    e = AES.new(key, AES.MODE_ECB)  # expect: CML-C003 high
    mode = ECB(iv)  # expect: CML-C003 high
    return d, e, mode


def make_reset_token():
    return "".join(random.choice("abcdef0123456789") for _ in range(32))  # expect: CML-C004 high flow-from 26


def session():
    n = random.getrandbits(64)
    session_id = str(n)  # expect: CML-C004 high flow-from 30
    return session_id


def fetch(url):
    requests.get(url, verify=False)  # expect: CML-C005 high
    ctx = ssl.create_default_context()
    ctx.verify_mode = ssl.CERT_NONE  # expect: CML-C005 high
    return ssl._create_unverified_context()  # expect: CML-C005 high
