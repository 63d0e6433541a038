#include <openssl/evp.h>
const EVP_MD* Digest() { return EVP_sha256(); }
// MD5 is not used here.
const EVP_MD *EVP_md5(void);
unsigned char *MD5(const unsigned char *d, size_t n, unsigned char *md);
