#pragma once
// The activity section: operations that suggest data being taken out, reported (never blocked).

#include <cstdint>
#include <string>
#include <vector>

#include "policy/Mode.h"

namespace mamori::policy {

// One process touching at least `files` files or `bytes` bytes within `seconds` is a bulk operation.
struct BulkThreshold {
  std::int64_t files = 200;
  std::int64_t bytes = 500LL << 20;
  std::int64_t seconds = 60;
};

// Events of one user within `windowSeconds` of each other add up (weights: docs/events.md); at
// `threshold` they become an incident (incident.opened), later evidence updates it.
struct IncidentSettings {
  std::int64_t windowSeconds = 900;
  std::int64_t threshold = 60;
};

// Print jobs are read from the CUPS spool: control files (job attributes) and the spooled documents.
// mode audit reports company documents after the fact; enforce holds every new job until the agent
// has inspected its document, then releases or cancels it (docs/decisions/0042).
struct PrintSettings {
  bool enabled = true;  // false is mode off (the key older policies use)
  Mode mode = Mode::kAudit;
  // While the agent is stopped: jobs wait for it (false) or print uninspected (true).
  bool failOpen = false;
  // The CUPS scheduler the agent talks to: an absolute socket path or a loopback host:port; empty is
  // CUPS's own default (CUPS_SERVER, client.conf, else /run/cups/cups.sock).
  std::string server;
  std::string spoolDir = "/var/spool/cups";
};

struct ActivitySettings {
  Mode mode = Mode::kEnforce;
  // "~/" is each user's home directory.
  std::vector<std::string> cloudSyncFolders = {"~/Dropbox",  "~/OneDrive", "~/Google Drive", "~/Nextcloud",
                                               "~/ownCloud", "~/MEGA",     "~/Box"};
  BulkThreshold bulk;
  // Where removable media get mounted. Tests point this at a temporary directory.
  std::vector<std::string> removableMounts = {"/media", "/run/media", "/mnt"};
  std::vector<std::string> watched = {"/home"};
  IncidentSettings incident;
  PrintSettings printing;
};

// What printing does under this section: off when the section or printing is off or disabled, audit
// when either says audit, else enforce.
Mode printingMode(const ActivitySettings& activity);

}  // namespace mamori::policy
