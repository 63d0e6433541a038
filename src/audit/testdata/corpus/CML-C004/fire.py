import random
reset_token = "".join(random.choice(ALPHABET) for _ in range(32))
