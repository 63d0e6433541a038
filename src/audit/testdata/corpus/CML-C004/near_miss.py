import random, secrets
reset_token = secrets.token_urlsafe(32)
sample = random.choice(rows)
