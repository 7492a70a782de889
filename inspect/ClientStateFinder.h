#pragma once
// P2P clients' configuration and state folders in a home, and the folders those clients download into
// or share from (read from their configuration with ClientConfigParsers).

#include <string>
#include <vector>

#include "inspect/Findings.h"

namespace mamori::inspect {

struct ShareFolder {
  std::string path;
  std::string reason;  // "transmission download-dir in /home/a/.config/transmission/settings.json"
};

struct ClientStateResult {
  std::vector<Finding> findings;  // kP2pClientState
  std::vector<ShareFolder> shareFolders;
  std::vector<NotInspected> skipped;  // configuration files that could not be read or parsed
};

void findClientState(const std::string& home, ClientStateResult& out);

}  // namespace mamori::inspect
