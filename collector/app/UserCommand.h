#pragma once
// `mamori-collector user ...`: web console accounts, managed on the collector's database directly,
// so the first administrator exists before anyone can sign in (docs/console.md).

#include <istream>
#include <string>
#include <vector>

namespace mamori::collector::app {

extern const char* const kUserUsage;

// args are what follows "user". The password comes from `in`: prompted twice without echo when it
// is a terminal, else its first line. Returns the exit code (see kUserUsage).
int runUserCommand(const std::vector<std::string>& args, std::istream& in);

}  // namespace mamori::collector::app
