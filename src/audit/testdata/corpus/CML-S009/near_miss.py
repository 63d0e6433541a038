stripe.api_key = os.environ["STRIPE_KEY"]  # sk_test_ in CI, sk_live_ in production
