#include "collector/tls/SelfSignedCert.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <memory>

#include "common/Files.h"

namespace mamori::collector::tls {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
void freeBio(BIO* bio) { BIO_free_all(bio); }
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, freeBio>>;

// OpenSSL's error queue as text, emptied.
std::string opensslError(const std::string& what) {
  std::string text = what;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text += std::string(": ") + buffer;
  }
  return text;
}

bool isIpAddress(const std::string& name) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 || inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

bool addExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

bool isValidCertName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  if (isIpAddress(name)) return true;
  std::string rest = name.rfind("*.", 0) == 0 ? name.substr(2) : name;
  if (rest.empty() || rest.front() == '.' || rest.back() == '.' || rest.front() == '-') return false;
  for (char c : rest) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

common::Result<CertificatePem> makeSelfSignedCertificate(const std::vector<std::string>& names, int validDays) {
  PkeyCtxPtr keyCtx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  if (!keyCtx || EVP_PKEY_keygen_init(keyCtx.get()) != 1 ||
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(keyCtx.get(), NID_X9_62_prime256v1) != 1) {
    return common::makeError(opensslError("cannot set up P-256 key generation"));
  }
  EVP_PKEY* rawKey = nullptr;
  if (EVP_PKEY_keygen(keyCtx.get(), &rawKey) != 1) return common::makeError(opensslError("cannot generate a key"));
  PkeyPtr key(rawKey);

  X509Ptr cert(X509_new());
  if (!cert) return common::makeError(opensslError("cannot allocate a certificate"));
  BnPtr serial(BN_new());
  bool ok = serial && BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
            BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr &&
            X509_set_version(cert.get(), 2) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&  // tolerate clock skew
            X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * validDays) != nullptr &&
            X509_set_pubkey(cert.get(), key.get()) == 1;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const auto* organization = reinterpret_cast<const unsigned char*>("mamori");
  const auto* common = reinterpret_cast<const unsigned char*>("mamori-collector");
  ok = ok && X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, organization, -1, -1, 0) == 1 &&
       X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, common, -1, -1, 0) == 1 &&
       X509_set_issuer_name(cert.get(), subject) == 1;
  if (!ok) return common::makeError(opensslError("cannot fill in the certificate"));

  std::string altNames;
  for (const auto& name : names) {
    if (!isValidCertName(name)) return common::makeError("not a DNS name or IP address", name);
    if (!altNames.empty()) altNames += ',';
    altNames += (isIpAddress(name) ? "IP:" : "DNS:") + name;
  }
  // The certificate is its own trust anchor (agents pin it as CA file), hence CA:TRUE and keyCertSign.
  ok = addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
       addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") &&
       addExtension(cert.get(), NID_ext_key_usage, "serverAuth") &&
       addExtension(cert.get(), NID_subject_key_identifier, "hash") &&
       (altNames.empty() || addExtension(cert.get(), NID_subject_alt_name, altNames));
  if (!ok) return common::makeError(opensslError("cannot add certificate extensions"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return common::makeError(opensslError("cannot sign the certificate"));
  }

  BioPtr certBio(BIO_new(BIO_s_mem()));
  BioPtr keyBio(BIO_new(BIO_s_mem()));
  if (!certBio || !keyBio || PEM_write_bio_X509(certBio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return common::makeError(opensslError("cannot encode the certificate or key as PEM"));
  }
  return CertificatePem{bioText(certBio.get()), bioText(keyBio.get())};
}

common::Status ensureCertificate(const std::string& dir, const std::vector<std::string>& names, bool& created) {
  created = false;
  const std::string keyFile = dir + "/collector.key";
  const std::string certFile = dir + "/collector.crt";
  if (common::fileExists(keyFile) && common::fileExists(certFile)) return common::Ok{};
  if (auto made = common::makeDirectories(dir); !made) return made;
  auto pem = makeSelfSignedCertificate(names);
  if (!pem) return pem.error();
  // Key first: a certificate without its key would be useless, a key without a certificate is
  // simply replaced on the next start.
  if (auto written = common::writeFileAtomically(keyFile, pem.value().privateKey, 0600); !written) return written;
  if (auto written = common::writeFileAtomically(certFile, pem.value().certificate, 0644); !written) return written;
  created = true;
  return common::Ok{};
}

}  // namespace mamori::collector::tls
