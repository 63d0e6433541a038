import tarfile
with tarfile.open(archive) as tar:
    tar.extractall(dest)
