#include <openssl/evp.h>
const EVP_MD* Digest() { return EVP_md5(); }
