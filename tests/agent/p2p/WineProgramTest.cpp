// Which Windows program a Wine process runs, from its argv, working directory and prefix (pure).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "agent/p2p/WineProgram.h"
#include "tests/support/TempDir.h"

using namespace mamori::agent::p2p;
namespace fs = std::filesystem;

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

TEST_CASE("Wine's start stands for the program it starts, named after its options") {
  const std::string loader = "/usr/lib/wine/wine64";
  // What Wine runs itself when it did not find a program named without a folder (its argv rewritten).
  CHECK(wineProgramArgument(loader, {"start.exe", "/exec", "Share"}) == "Share");
  CHECK(wineProgramArgument(loader, {loader, "start", "/unix", "/home/taro/pd/PerfectDark.exe"}) ==
        "/home/taro/pd/PerfectDark.exe");
  CHECK(wineProgramArgument(
            loader, {loader, "C:\\windows\\command\\START.EXE", "/d", "C:\\x", "/wait", "", "a.exe", "/b"}) == "a.exe");
  CHECK(wineProgramArgument(loader, {"C:\\windows\\system32\\start.exe", "/exec", "/home/taro/S.exe"}) ==
        "/home/taro/S.exe");
  CHECK(wineProgramArgument(loader, {loader, "start"}) == "start");  // names nothing: start itself
  CHECK(wineProgramArgument(loader, {loader, "start", "/wait"}) == "start");
  CHECK(wineProgramArgument(loader, {loader, "restart.exe", "x.exe"}) == "restart.exe");
}

TEST_CASE("a name without a folder: Wine's search path, system32 before the working directory") {
  CHECK(wineSearchPath("notepad", "/home/taro", "/p") ==
        std::vector<std::string>{"/p/dosdevices/c:/windows/system32/notepad.exe", "/home/taro/notepad.exe",
                                 "/p/dosdevices/c:/windows/system/notepad.exe",
                                 "/p/dosdevices/c:/windows/notepad.exe"});
  CHECK(wineSearchPath("Share.exe", "/", "").size() == 1);  // no prefix: the working directory only
  CHECK(wineSearchPath("Share.exe", "/", "") == std::vector<std::string>{"/Share.exe"});
  CHECK(wineSearchPath("./Share.exe", "/", "/p").empty());  // a folder: wineProgramPath's business
  CHECK(wineSearchPath("C:\\Share.exe", "/", "/p").empty());
  CHECK(wineSearchPath("C:Share.exe", "/", "/p").empty());
  CHECK(wineSearchPath("", "/", "/p").empty());

  mamori::testsupport::TempDir dir;
  const std::string prefix = dir.file("prefix");
  fs::create_directories(prefix + "/drive_c/windows/system32");
  fs::create_directories(prefix + "/dosdevices");
  fs::create_symlink("../drive_c", prefix + "/dosdevices/c:");
  fs::create_directories(dir.file("work"));
  const auto touch = [](const std::string& path) { std::ofstream(path) << "MZ"; };
  touch(prefix + "/drive_c/windows/system32/notepad.exe");
  touch(dir.file("work/notepad.exe"));
  touch(dir.file("work/Share.exe"));
  touch(prefix + "/drive_c/windows/PerfectDark.exe");
  fs::create_directories(dir.file("work/folder.exe"));
  CHECK(findOnWineSearchPath("notepad", dir.file("work"), prefix) ==
        prefix + "/dosdevices/c:/windows/system32/notepad.exe");
  CHECK(findOnWineSearchPath("Share", dir.file("work"), prefix) == dir.file("work/Share.exe"));
  CHECK(findOnWineSearchPath("share", dir.file("work"), prefix) == dir.file("work/Share.exe"));  // without case
  CHECK(findOnWineSearchPath("perfectdark.EXE", dir.file("work"), prefix) ==
        prefix + "/dosdevices/c:/windows/PerfectDark.exe");
  CHECK(findOnWineSearchPath("folder", dir.file("work"), prefix).empty());  // a folder is no program
  CHECK(findOnWineSearchPath("missing", dir.file("work"), prefix).empty());
  CHECK(findOnWineSearchPath("missing", dir.file("nowhere"), dir.file("noprefix")).empty());
}
