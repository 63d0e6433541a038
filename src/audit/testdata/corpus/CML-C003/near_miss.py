from Crypto.Cipher import AES
aes = AES.new(key, AES.MODE_GCM)
DESCRIPTION = "DES and ECB are not used"
