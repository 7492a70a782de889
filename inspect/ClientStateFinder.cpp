#include "inspect/ClientStateFinder.h"

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "inspect/ClientConfigParsers.h"
#include "inspect/FileAccess.h"

namespace mamori::inspect {

namespace {

using Parser = common::Result<Folders> (*)(std::string_view, const std::string&);

struct KnownClient {
  const char* name;
  std::vector<const char*> folders;  // relative to the home
  const char* configFile;            // inside the first folder that has it; null: none parsed
  Parser parser;
  std::vector<const char*> defaults;  // download folders when the configuration names none
};

const std::vector<KnownClient>& knownClients() {
  static const std::vector<KnownClient> kClients = {
      {"transmission",
       {".config/transmission", ".config/transmission-daemon",
        ".var/app/com.transmissionbt.Transmission/config/transmission"},
       "settings.json",
       &parseTransmissionSettings,
       {}},
      {"qBittorrent",
       {".config/qBittorrent", ".local/share/qBittorrent", ".local/share/data/qBittorrent",
        ".var/app/org.qbittorrent.qBittorrent/config/qBittorrent"},
       "qBittorrent.conf",
       &parseQbittorrentConf,
       {"~/Downloads"}},
      {"aria2", {".aria2", ".config/aria2"}, "aria2.conf", &parseAria2Conf, {}},
      {"aMule", {".aMule"}, "amule.conf", &parseAmuleConf, {"~/.aMule/Incoming"}},
      {"Deluge", {".config/deluge"}, "core.conf", &parseDelugeCoreConf, {"~/Downloads"}},
      {"KTorrent", {".config/ktorrentrc", ".local/share/ktorrent"}, nullptr, nullptr, {}},
      {"rTorrent", {".rtorrent.rc", ".config/rtorrent"}, nullptr, nullptr, {}},
  };
  return kClients;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Windows clients' folders inside Wine prefixes: the program folder says which client it was.
void findWineClients(const std::string& driveC, ClientStateResult& out) {
  static const std::vector<std::string> kNames = {"winny",       "winny2", "share", "share_ex2", "perfect dark",
                                                  "perfectdark", "cabos",  "emule", "utorrent",  "bitcomet"};
  walkEntries(
      driveC, 5,
      [&](const DirEntry& e) {
        if (e.type != EntryType::kDirectory) return true;
        const std::string name = lower(e.name);
        if (std::find(kNames.begin(), kNames.end(), name) == kNames.end()) return true;
        // "Share" is also a common word: only a folder directly in Program Files or the drive counts.
        const auto parent = lower(e.path.substr(0, e.path.size() - e.name.size() - 1));
        if (name == "share" && parent != lower(driveC) && parent.find("program files") == std::string::npos)
          return true;
        out.findings.push_back(makeFinding(FindingKind::kP2pClientState, e.path,
                                           {"a " + e.name + " program folder inside a Wine prefix"}));
        return false;
      },
      [&](const std::string& path, const std::string& reason) {
        out.skipped.push_back({path, reason});
      },
      nullptr);
}

}  // namespace

void findClientState(const std::string& home, ClientStateResult& out) {
  for (const auto& client : knownClients()) {
    bool found = false;
    bool configured = false;
    for (const char* relative : client.folders) {
      const std::string path = home + "/" + relative;
      if (!pathExists(path)) continue;
      found = true;
      out.findings.push_back(makeFinding(FindingKind::kP2pClientState, path,
                                         {std::string(client.name) + " configuration or state folder"}));
      if (client.configFile == nullptr || configured) continue;
      const std::string config = path + "/" + client.configFile;
      auto text = readFileBounded(config, 4LL << 20);
      if (!text) {
        if (text.error().sysErrno != ENOENT) out.skipped.push_back({config, text.error().describe()});
        continue;
      }
      auto folders = client.parser(text.value(), home);
      if (!folders) {
        out.skipped.push_back({config, "does not parse: " + folders.error().describe()});
        continue;
      }
      configured = !folders.value().empty();
      for (const auto& folder : folders.value())
        out.shareFolders.push_back({folder, std::string(client.name) + " downloads or shares here (" + config + ")"});
    }
    if (found && !configured) {
      for (const char* folder : client.defaults) {
        const std::string path = home + std::string(folder).substr(1);
        out.shareFolders.push_back({path, std::string(client.name) + "'s default download folder"});
      }
    }
  }
  for (const char* prefix : {"/.wine/drive_c"}) findWineClients(home + prefix, out);
  walkEntries(
      home + "/.local/share/wineprefixes", 0,
      [&](const DirEntry& e) {
        if (e.type == EntryType::kDirectory) findWineClients(e.path + "/drive_c", out);
        return false;
      },
      [](const std::string&, const std::string&) {}, nullptr);
}

}  // namespace mamori::inspect
