// Hash learning over a temp tree standing in for a machine: dpkg's file lists and the programs.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/time.h>

#include "agent/p2p/HashLearner.h"
#include "drivers/linux/FileHashCache.h"
#include "policy/BuiltinP2pSignatures.h"
#include "tests/support/TempDir.h"

using namespace mamori;
namespace fs = std::filesystem;

namespace {

void put(const std::string& path, const std::string& text, bool executable) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), executable ? 0755 : 0644);
}

std::vector<std::string> paths(const agent::p2p::HashLearner& learner) {
  std::vector<std::string> out;
  for (const auto& program : learner.learned()) out.push_back(program.path);
  return out;
}

}  // namespace

TEST_CASE("a dpkg file list: programs named by the sets, or all programs of a package the sets name") {
  const policy::P2pMatcher names(
      policy::P2pGuardSettings{policy::Mode::kEnforce, true, true, true, true, policy::builtinP2pSignatureSets()});
  const std::string aria2 =
      "/.\n/usr\n/usr/bin\n/usr/bin/aria2c\n/usr/share/doc/aria2/README\n/usr/share/man/man1/aria2c.1.gz\n";
  CHECK(agent::p2p::programsInList("aria2:amd64", aria2, names) == std::vector<std::string>{"/usr/bin/aria2c"});
  // The package's name is a client's: every program it installs, whatever it is called.
  const std::string deluged = "/usr/bin/deluged\n/usr/bin/deluge-helper\n/usr/share/deluged/x\n";
  CHECK(agent::p2p::programsInList("deluged", deluged, names) ==
        std::vector<std::string>{"/usr/bin/deluged", "/usr/bin/deluge-helper"});
  // Names outside program folders, look-alike names and other packages: nothing.
  CHECK(agent::p2p::programsInList("coreutils", "/usr/bin/sort\n/usr/share/aria2c\n/usr/bin/transmission-dashboard\n",
                                   names)
            .empty());
  CHECK(agent::p2p::programsInList("x", "", names).empty());
  CHECK(agent::p2p::programsInList("x", "no slash\n\n//\n/\n", names).empty());
}

TEST_CASE("learning on a temp tree: hashes of installed clients, again when the lists change, never links") {
  testsupport::TempDir dir;
  const std::string& root = dir.path();
  put(root + "/var/lib/dpkg/info/aria2:amd64.list", "/usr/bin/aria2c\n/usr/share/doc/aria2/README\n", false);
  put(root + "/var/lib/dpkg/info/coreutils.list", "/usr/bin/sort\n", false);
  put(root + "/var/lib/dpkg/info/rtorrent.list", "/usr/bin/rtorrent\n/usr/bin/python-link\n", false);
  put(root + "/usr/bin/aria2c", "aria2c build", true);
  put(root + "/usr/bin/sort", "sort build", true);
  put(root + "/usr/bin/rtorrent", "rtorrent build", true);
  put(root + "/usr/bin/python3", "python", true);
  fs::create_symlink("python3", root + "/usr/bin/python-link");  // in a client's package: never learned
  put(root + "/usr/local/bin/ctorrent", "hand-built ctorrent", true);
  put(root + "/usr/local/bin/ctorrent-notes", "text", false);

  drivers::linux_os::FileHashCache hashes;
  agent::p2p::HashLearner learner(root, hashes);
  const auto& sets = policy::builtinP2pSignatureSets();
  CHECK(learner.learn(sets));
  CHECK(paths(learner) == std::vector<std::string>{"/usr/bin/aria2c", "/usr/bin/rtorrent", "/usr/local/bin/ctorrent"});
  CHECK(learner.learned()[0].package == "aria2");
  CHECK(learner.learned()[2].package.empty());
  auto learnedSets = learner.learnedSets();
  REQUIRE(learnedSets.size() == 3);
  CHECK(learnedSets[0].name == "learned:/usr/bin/aria2c");
  REQUIRE(learnedSets[0].sha256.size() == 1);
  CHECK(learnedSets[0].sha256[0] == hashes.sha256(root + "/usr/bin/aria2c").value());
  CHECK(learner.packageListFolder() == root + "/var/lib/dpkg/info");

  CHECK_FALSE(learner.learn(sets));  // nothing changed

  // A package installed (new list) and one removed (list gone).
  put(root + "/var/lib/dpkg/info/amule-daemon.list", "/usr/bin/amuled\n", false);
  put(root + "/usr/bin/amuled", "amuled build", true);
  fs::remove(root + "/var/lib/dpkg/info/rtorrent.list");
  CHECK(learner.learn(sets));
  CHECK(paths(learner) == std::vector<std::string>{"/usr/bin/amuled", "/usr/bin/aria2c", "/usr/local/bin/ctorrent"});

  // Sets without names learn nothing.
  CHECK(learner.learn({}));
  CHECK(learner.learned().empty());
}

TEST_CASE("no package lists and no loose folders: nothing learned, no error") {
  testsupport::TempDir dir;
  drivers::linux_os::FileHashCache hashes;
  agent::p2p::HashLearner learner(dir.path() + "/missing", hashes);
  CHECK_FALSE(learner.learn(policy::builtinP2pSignatureSets()));
  CHECK(learner.learned().empty());
}
