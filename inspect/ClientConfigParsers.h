#pragma once
// Pure parsers of P2P clients' configuration files: which folders each client downloads into or
// shares from. Text in (from a file on the inspected PC: outside input), folders out; a file that does
// not parse gives an error naming the line or JSON pointer, never a crash. Fuzzed
// (tests/fuzz/fuzz_inspect_client_config.cpp).

#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::inspect {

// Folders in the order the file names them, duplicates and empty values removed. "~/" at the start
// is replaced by home (clients write it so), other relative paths are kept as written.
using Folders = std::vector<std::string>;

// transmission settings.json: "download-dir", "incomplete-dir" (only when "incomplete-dir-enabled"
// is not false), "watch-dir" (when "watch-dir-enabled" is true).
common::Result<Folders> parseTransmissionSettings(std::string_view text, const std::string& home);

// qBittorrent.conf (INI): [BitTorrent] Session\DefaultSavePath, Session\TempPath (when
// Session\TempPathEnabled=true); older [Preferences] Downloads\SavePath, Downloads\TempPath.
common::Result<Folders> parseQbittorrentConf(std::string_view text, const std::string& home);

// aria2.conf: "dir=FOLDER" lines ('#' starts a comment).
common::Result<Folders> parseAria2Conf(std::string_view text, const std::string& home);

// Deluge core.conf: two JSON objects one after the other (a format header, then the settings):
// "download_location", "move_completed_path" (when "move_completed" is true), "torrentfiles_location"
// (when "copy_torrent_file" is true).
common::Result<Folders> parseDelugeCoreConf(std::string_view text, const std::string& home);

// aMule amule.conf (INI): [eMule] IncomingDir, TempDir.
common::Result<Folders> parseAmuleConf(std::string_view text, const std::string& home);

}  // namespace mamori::inspect
