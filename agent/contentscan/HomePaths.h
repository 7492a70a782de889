#pragma once
// Policy paths starting with "~/" name that folder in every user's home directory.

#include <string>
#include <vector>

namespace mamori::agent::contentscan {

// Home directories of real users in the password database (uid >= 1000, not nobody). Uses the
// non-reentrant getpwent: call from one thread at a time (the agent's main thread).
std::vector<std::string> homeDirectories();

// Each "~/x" becomes "<home>/x" for every home; other paths are kept.
std::vector<std::string> expandHomePaths(const std::vector<std::string>& paths, const std::vector<std::string>& homes);

}  // namespace mamori::agent::contentscan
