#include "drivers/linux/CupsLibrary.h"

#include <dlfcn.h>

#include "common/Result.h"

namespace mamori::drivers::linux_os {

namespace {

constexpr const char* kFile = "libcups.so.2";

template <typename Function>
bool resolve(void* handle, const char* name, Function& out, std::string& missing) {
  out = reinterpret_cast<Function>(::dlsym(handle, name));
  if (out == nullptr && missing.empty()) missing = name;
  return out != nullptr;
}

common::Result<const CupsLibrary*> load() {
  // RTLD_LOCAL: its symbols stay out of the agent's namespace; RTLD_NOW: a missing symbol is known
  // here, not at the first call.
  void* handle = ::dlopen(kFile, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();  // NOLINT(concurrency-mt-unsafe): glibc keeps dlerror's state per thread
    return common::makeError(common::ErrorKind::kUnavailable,
                             "cannot load libcups (install libcups2): " + std::string(why != nullptr ? why : ""),
                             kFile);
  }
  static CupsLibrary library{};
  std::string missing;
#define MAMORI_CUPS_RESOLVE(name) resolve(handle, #name, library.name, missing)
  MAMORI_CUPS_RESOLVE(ippNew);
  MAMORI_CUPS_RESOLVE(ippNewRequest);
  MAMORI_CUPS_RESOLVE(ippDelete);
  MAMORI_CUPS_RESOLVE(ippAddString);
  MAMORI_CUPS_RESOLVE(ippAddStrings);
  MAMORI_CUPS_RESOLVE(ippReadIO);
  MAMORI_CUPS_RESOLVE(ippFirstAttribute);
  MAMORI_CUPS_RESOLVE(ippNextAttribute);
  MAMORI_CUPS_RESOLVE(ippGetName);
  MAMORI_CUPS_RESOLVE(ippGetGroupTag);
  MAMORI_CUPS_RESOLVE(ippGetValueTag);
  MAMORI_CUPS_RESOLVE(ippGetCount);
  MAMORI_CUPS_RESOLVE(ippGetString);
  MAMORI_CUPS_RESOLVE(ippGetInteger);
  MAMORI_CUPS_RESOLVE(ippErrorString);
  MAMORI_CUPS_RESOLVE(ippPort);
  MAMORI_CUPS_RESOLVE(httpConnect2);
  MAMORI_CUPS_RESOLVE(httpClose);
  MAMORI_CUPS_RESOLVE(httpAssembleURIf);
  MAMORI_CUPS_RESOLVE(cupsDoRequest);
  MAMORI_CUPS_RESOLVE(cupsLastError);
  MAMORI_CUPS_RESOLVE(cupsLastErrorString);
  MAMORI_CUPS_RESOLVE(cupsServer);
  MAMORI_CUPS_RESOLVE(cupsUser);
#undef MAMORI_CUPS_RESOLVE
  if (!missing.empty()) {
    ::dlclose(handle);
    return common::makeError(common::ErrorKind::kUnavailable, "libcups has no " + missing + " (too old?)", kFile);
  }
  return &library;
}

}  // namespace

common::Result<const CupsLibrary*> cupsLibrary() {
  // Loaded once; a failure is kept too (a package installed later needs an agent restart, as any
  // library upgrade does).
  static const common::Result<const CupsLibrary*> loaded = load();
  return loaded;
}

const CupsLibrary& loadedCupsLibrary() {
  static const CupsLibrary* const library = [] {
    auto loaded = cupsLibrary();
    MAMORI_ASSERT(loaded.ok());
    return loaded.value();
  }();
  return *library;
}

}  // namespace mamori::drivers::linux_os
