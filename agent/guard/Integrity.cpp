#include "agent/guard/Integrity.h"

#include <cstddef>
#include <map>
#include <sstream>

#include "common/Files.h"

namespace mamori::agent::guard {

namespace {
constexpr const char* kAbsent = "-";

// Our own file: "name digest path" per line; a damaged line is just treated as unknown.
std::map<std::string, std::string> readStored(const std::string& text) {
  std::map<std::string, std::string> digests;
  std::istringstream lines(text);
  std::string name;
  std::string digest;
  while (lines >> name >> digest) {
    digests[name] = digest;
    std::string rest;
    std::getline(lines, rest);
  }
  return digests;
}
}  // namespace

common::Result<std::vector<FileChange>> checkIntegrity(const std::string& stateFile,
                                                       const std::vector<WatchedFile>& files, const FileHasher& hash) {
  const bool first = !common::fileExists(stateFile);
  std::map<std::string, std::string> stored;
  if (!first) {
    auto text = common::readSmallFile(stateFile, std::size_t{64} * 1024);
    if (!text) return text.error();
    stored = readStored(text.value());
  }
  std::vector<FileChange> changes;
  std::string current;
  for (const auto& file : files) {
    std::string digest = kAbsent;
    if (auto hashed = hash(file.path)) {
      digest = hashed.value();
    } else if (hashed.error().kind != common::ErrorKind::kNotFound) {
      return hashed.error();
    }
    current += file.name + " " + digest + " " + file.path + "\n";
    const auto before = stored.find(file.name);
    // A file watched for the first time (a config added later) is only recorded.
    if (before == stored.end()) continue;
    const std::string& was = before->second;
    if (!first && was != digest) {
      changes.push_back({file.name, file.path, was == kAbsent ? "" : was, digest == kAbsent ? "" : digest});
    }
  }
  if (auto saved = common::writeFileAtomically(stateFile, current, 0600); !saved) return saved.error();
  return changes;
}

}  // namespace mamori::agent::guard
