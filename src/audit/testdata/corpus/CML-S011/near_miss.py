login(token=os.environ["HF_TOKEN"])  # hf_ tokens live in the CI secrets
