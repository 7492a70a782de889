#include "collector/state/StateFiles.h"

#include "common/Crypto.h"
#include "common/Files.h"

namespace mamori::collector::state {

common::Result<std::string> readSecret(const std::string& path) {
  auto data = common::readSmallFile(path, std::size_t{64} * 1024);
  if (!data) return data.error();
  std::string secret = data.value().substr(0, data.value().find('\n'));
  const auto first = secret.find_first_not_of(" \t\r");
  const auto last = secret.find_last_not_of(" \t\r");
  secret = first == std::string::npos ? std::string() : secret.substr(first, last - first + 1);
  if (secret.empty()) return common::makeError("the secret file is empty", path);
  return secret;
}

common::Result<std::string> loadOrCreateSecret(const std::string& path, bool& created) {
  created = false;
  if (common::fileExists(path)) return readSecret(path);
  std::string secret = common::randomHex(32);
  if (auto written = common::writeFileAtomically(path, secret + "\n", 0600); !written) return written.error();
  created = true;
  return secret;
}

}  // namespace mamori::collector::state
