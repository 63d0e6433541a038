DB_PASSWORD = "Hx9#kq2!vLp"
settings = {"client_secret": "q8Zr2mVt7Lw4Pn6Y"}
