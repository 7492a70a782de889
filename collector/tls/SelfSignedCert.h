#pragma once
// First-start TLS identity: an ECDSA P-256 key and a self-signed X.509 certificate whose
// subjectAltName covers localhost, 127.0.0.1, ::1, the host name and any --cert-name. Agents and
// mamorictl pin the certificate file as their CA file.

#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::collector::tls {

struct CertificatePem {
  std::string certificate;
  std::string privateKey;
};

// names: DNS names or IP addresses (each becomes DNS: or IP: in subjectAltName).
common::Result<CertificatePem> makeSelfSignedCertificate(const std::vector<std::string>& names, int validDays = 3650);

// True for names allowed in a certificate: a DNS name (letters, digits, '-', '.', a leading "*.")
// or an IPv4/IPv6 address.
bool isValidCertName(const std::string& name);

// Writes <dir>/collector.key (0600) and <dir>/collector.crt (0644) unless both exist. created is
// set when new files were written.
common::Status ensureCertificate(const std::string& dir, const std::vector<std::string>& names, bool& created);

}  // namespace mamori::collector::tls
