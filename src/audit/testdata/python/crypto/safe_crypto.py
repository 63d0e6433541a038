import hashlib
import random
import secrets

import numpy as np
import requests
from Crypto.Cipher import AES

DESCRIPTION = "DES and ECB are not used"


def checksum(blob):
    return hashlib.md5(blob, usedforsecurity=False).hexdigest()


def ciphers(key):
    return AES.new(key, AES.MODE_GCM), hashlib.sha256(key).hexdigest()


def sample(rows):
    random.seed(42)
    random.shuffle(rows)
    batch = random.sample(rows, 10)
    noise = np.random.normal(size=10)
    token = secrets.token_urlsafe(32)
    return batch, noise, token


def fetch(url):
    return requests.get(url, verify=True), requests.get(url, verify="/etc/ssl/ca.pem")
