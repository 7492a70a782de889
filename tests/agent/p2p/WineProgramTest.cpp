// Which Windows program a Wine process runs, from its argv, working directory and prefix (pure).
#include <doctest/doctest.h>

#include "agent/p2p/WineProgram.h"

using namespace mamori::agent::p2p;

TEST_CASE("Wine's loaders by name") {
  for (const char* loader : {"/usr/lib/wine/wine64", "/usr/lib/wine/wine", "/usr/lib/wine/wine64-preloader",
                             "wine-preloader", "/usr/bin/wine-stable", "/opt/wine-staging/bin/wine64"})
    CHECK(isWineLoader(loader));
  for (const char* other : {"/usr/bin/winecfg", "/usr/lib/wine/wineserver64", "/usr/bin/wineboot",
                            "/usr/bin/winetricks", "/usr/bin/bash", "", "/usr/bin/wine64-x"})
    CHECK_FALSE(isWineLoader(other));
}

TEST_CASE("the program argument: after the loader entries at the exec, argv[0] once Wine renamed it") {
  CHECK(wineProgramArgument("/usr/lib/wine/wine64", {"/usr/lib/wine/wine64", "./Winny.exe", "-x"}) == "./Winny.exe");
  CHECK(wineProgramArgument("/usr/lib/wine/wine64-preloader", {"/usr/lib/wine/wine64-preloader", "/usr/lib/wine/wine64",
                                                               "C:\\a\\b.exe"}) == "C:\\a\\b.exe");
  CHECK(wineProgramArgument("/usr/lib/wine/wine64", {"C:\\windows\\system32\\services.exe"}) ==
        "C:\\windows\\system32\\services.exe");
  CHECK(wineProgramArgument("/usr/lib/wine/wine64", {"/usr/lib/wine/wine64", "--version"}).empty());
  CHECK(wineProgramArgument("/usr/lib/wine/wine64", {"/usr/lib/wine/wine64"}).empty());
  CHECK(wineProgramArgument("/usr/lib/wine/wine64", {}).empty());
  CHECK(wineProgramArgument("/usr/bin/python3", {"python3", "x.exe"}).empty());  // no Wine process
}

TEST_CASE("the program as a path: drive letters through the prefix's links, relative names from cwd") {
  CHECK(wineProgramPath("C:\\Program Files\\Winny\\Winny.exe", "/home/taro", "/home/taro/.wine") ==
        "/home/taro/.wine/dosdevices/c:/Program Files/Winny/Winny.exe");
  CHECK(wineProgramPath("\\\\?\\Z:\\tmp\\x.exe", "/", "/p") == "/p/dosdevices/z:/tmp/x.exe");
  CHECK(wineProgramPath("\\??\\d:/share/s.exe", "/", "/p") == "/p/dosdevices/d:/share/s.exe");
  CHECK(wineProgramPath("./Winny.exe", "/home/taro/dl", "/p") == "/home/taro/dl/Winny.exe");
  CHECK(wineProgramPath("/opt/pd/PerfectDark.exe", "/x", "") == "/opt/pd/PerfectDark.exe");
  CHECK(wineProgramPath("C:\\x.exe", "/x", "").empty());     // no prefix known
  CHECK(wineProgramPath("sub\\x.exe", "/x", "/p").empty());  // a Windows-relative name
  CHECK(wineProgramPath("", "/x", "/p").empty());
  CHECK(wineProgramPath("x.exe", "", "/p").empty());
}
