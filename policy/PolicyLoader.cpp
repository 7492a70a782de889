#include "policy/PolicyLoader.h"

#include <cerrno>
#include <fstream>
#include <iterator>

namespace mamori::policy {

common::Result<std::string> readPolicyFile(const std::string& path, std::size_t maxBytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::makeError("cannot open the policy file", path, errno);
  std::string bytes;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    bytes.append(buf, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > maxBytes) {
      return common::makeError("the policy file is larger than " + std::to_string(maxBytes) + " bytes", path);
    }
  }
  if (in.bad()) return common::makeError("cannot read the policy file", path, errno);
  return bytes;
}

PolicyParseResult loadPolicyFile(const std::string& path) {
  auto bytes = readPolicyFile(path);
  if (!bytes) {
    PolicyParseResult result;
    result.errors.push_back(bytes.error());
    return result;
  }
  return parsePolicy(bytes.value());
}

}  // namespace mamori::policy
