stripe.api_key = "sk_live_TESTDATAexample0123456789ab"
