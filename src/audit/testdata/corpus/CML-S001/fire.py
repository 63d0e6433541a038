# AWS's documented example key ID (test data)
AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
backup = {"key": "AKIAIOSFODNN7EXAMPLE"}
