#pragma once
// Policy paths starting with "~/" name that folder in every user's home directory.

#include <functional>
#include <string>
#include <vector>

namespace mamori::agent::contentscan {

// The home directories "~/" stands for, asked again at every apply and pass (the composition root
// gives drivers::HomeDirectories; tests a list). Called on the main thread.
using Homes = std::function<std::vector<std::string>()>;

// Each "~/x" becomes "<home>/x" for every home; other paths are kept.
std::vector<std::string> expandHomePaths(const std::vector<std::string>& paths, const std::vector<std::string>& homes);

}  // namespace mamori::agent::contentscan
