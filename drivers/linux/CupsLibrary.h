#pragma once
// libcups, loaded the first time the print gate needs it (dlopen of libcups.so.2), not linked: with
// it come 16 shared libraries the agent does not otherwise load (GnuTLS, Avahi, D-Bus, libgcrypt ...)
// that every agent would map and relocate at start, about 3 MB of RSS and 0.9 MB of private memory,
// while only a PC whose policy enforces the print gate talks to CUPS (docs/decisions/0042,
// addendum). The functions the gate uses are resolved once, by name, with the types of <cups/cups.h>.

#include <cups/cups.h>

#include "common/Result.h"

namespace mamori::drivers::linux_os {

struct CupsLibrary {
  decltype(&::ippNew) ippNew;
  decltype(&::ippNewRequest) ippNewRequest;
  decltype(&::ippDelete) ippDelete;
  decltype(&::ippAddString) ippAddString;
  decltype(&::ippAddStrings) ippAddStrings;
  decltype(&::ippReadIO) ippReadIO;
  decltype(&::ippFirstAttribute) ippFirstAttribute;
  decltype(&::ippNextAttribute) ippNextAttribute;
  decltype(&::ippGetName) ippGetName;
  decltype(&::ippGetGroupTag) ippGetGroupTag;
  decltype(&::ippGetValueTag) ippGetValueTag;
  decltype(&::ippGetCount) ippGetCount;
  decltype(&::ippGetString) ippGetString;
  decltype(&::ippGetInteger) ippGetInteger;
  decltype(&::ippErrorString) ippErrorString;
  decltype(&::ippPort) ippPort;
  decltype(&::httpConnect2) httpConnect2;
  decltype(&::httpClose) httpClose;
  decltype(&::httpAssembleURIf) httpAssembleURIf;
  decltype(&::cupsDoRequest) cupsDoRequest;
  decltype(&::cupsLastError) cupsLastError;
  decltype(&::cupsLastErrorString) cupsLastErrorString;
  decltype(&::cupsServer) cupsServer;
  decltype(&::cupsUser) cupsUser;
};

// Loaded once for the process (thread-safe; never unloaded). An error names the file and what
// dlopen or dlsym said (libcups2 not installed, or too old for a function).
common::Result<const CupsLibrary*> cupsLibrary();

// For code that holds a libcups object already (which only the loaded library can have made).
const CupsLibrary& loadedCupsLibrary();

}  // namespace mamori::drivers::linux_os
