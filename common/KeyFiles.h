#pragma once
// Key files for mamorictl and the collector. The private key file is created with mode 0600 and is
// refused on load when group or others can read it (like ssh does), because whoever reads it can
// sign policies for the whole fleet.

#include <string>

#include "common/Result.h"
#include "common/SigningKey.h"

namespace mamori::common {

// Writes the PEM to path with mode 0600; fails if path exists (never overwrite a signing key by accident).
common::Status savePrivateKey(const SigningKey& key, const std::string& path);
common::Result<SigningKey> loadPrivateKey(const std::string& path);

// Public keys are not secret: 0644, overwritten if present.
common::Status savePublicKey(const PublicKey& key, const std::string& path);
common::Result<PublicKey> loadPublicKey(const std::string& path);

}  // namespace mamori::common
