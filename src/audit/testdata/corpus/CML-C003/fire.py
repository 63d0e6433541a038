from Crypto.Cipher import DES, AES
cipher = DES.new(key, DES.MODE_ECB)
aes = AES.new(key, AES.MODE_ECB)
