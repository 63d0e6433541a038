#include <openssl/evp.h>
const EVP_MD* Digest() { return EVP_sha256(); }
// MD5 is not used here.
