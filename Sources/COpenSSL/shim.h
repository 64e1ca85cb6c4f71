#ifndef PM_COPENSSL_SHIM_H
#define PM_COPENSSL_SHIM_H
// Deprecated-in-3.0 declarations stay visible without warnings; we use only what 3.0 keeps supported.
#define OPENSSL_SUPPRESS_DEPRECATED 1
// The parts of OpenSSL 3 (libcrypto) that Payment Manager uses: EVP signing and verifying, PEM and
// X.509 parsing, digests and HMAC. Linked against the system library (Debian: libssl-dev).
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/x509v3.h>

// Macros Swift cannot import, as functions.
static inline int pm_BIO_get_mem_data(BIO *bio, char **data) { return (int)BIO_get_mem_data(bio, data); }
static inline int pm_ERR_GET_REASON(unsigned long e) { return ERR_GET_REASON(e); }
#endif
