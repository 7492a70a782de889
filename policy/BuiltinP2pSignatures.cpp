#include "policy/BuiltinP2pSignatures.h"

#include <cstdio>

#include "common/JsonParser.h"
#include "policy/SectionParsers.h"

namespace mamori::policy {

namespace {

// Names cover the Windows-era programs behind the leaks that started this product (they reach
// Linux through Wine) and the BitTorrent/eD2k clients Debian ships. Executable hashes are per
// build, so they belong in each company's own sets; the YARA rule recognises BitTorrent engines
// (libtorrent, libaria2 ...) by vocabulary rather than by build. "BitTorrent protocol" alone is
// also in libwireshark, hence the extra strings and the exclusion of dissector code. The strings are
// written as hex so that a binary carrying this text (mamori's own, the inspection tool) does not
// match its own rules.
constexpr std::string_view kText = R"json([
  {
    "name": "builtin-windows-p2p",
    "process_names": ["winny", "winny2", "share", "share_ex2", "perfectdark", "perfect dark",
                      "utorrent", "µtorrent", "bittorrent", "bitcomet", "emule", "cabos",
                      "limewire", "frostwire", "shareaza", "vuze", "azureus", "xunlei", "thunder"]
  },
  {
    "name": "builtin-linux-p2p",
    "process_names": ["transmission-daemon", "transmission-cli", "transmission-gtk", "transmission-qt",
                      "transmission-remote-gtk", "qbittorrent", "qbittorrent-nox", "aria2c", "ctorrent",
                      "rtorrent", "rtorrent main", "deluged", "deluge", "deluge-gtk", "deluge-console",
                      "amuled", "amule", "amulecmd", "ktorrent", "tixati", "fragments", "mldonkey", "mlnet",
                      "webtorrent", "btdownloadcurses", "btdownloadheadless"],
    "scripts": [
      {"interpreter": "python*", "script": "deluge*"},
      {"interpreter": "python*", "script": "btdownload*"},
      {"interpreter": "python*", "script": "tribler*"},
      {"interpreter": "node*", "script": "webtorrent*"}
    ],
    "yara": "rule bittorrent_engine\n{\n  meta:\n    description = \"BitTorrent engine: handshake plus DHT, tracker or extension vocabulary\"\n  strings:\n    $handshake = { 42 69 74 54 6f 72 72 65 6e 74 20 70 72 6f 74 6f 63 6f 6c }\n    $dht_query = { 64 31 3a 61 64 32 3a 69 64 32 30 3a }\n    $info_hash = { 69 6e 66 6f 5f 68 61 73 68 3d }\n    $peer_id = { 70 65 65 72 5f 69 64 3d }\n    $ut_metadata = { 75 74 5f 6d 65 74 61 64 61 74 61 }\n    $ut_pex = { 75 74 5f 70 65 78 }\n    $magnet = { 6d 61 67 6e 65 74 3a 3f 78 74 3d 75 72 6e 3a 62 74 69 68 3a }\n    $dissector = { 70 72 6f 74 6f 5f 72 65 67 69 73 74 65 72 5f }\n  condition:\n    $handshake and 2 of ($dht_query, $info_hash, $peer_id, $ut_metadata, $ut_pex, $magnet) and not $dissector\n}\n\nrule ed2k_engine\n{\n  meta:\n    description = \"eDonkey/Kad engine (aMule, eMule)\"\n  strings:\n    $ed2k_link = { 65 64 32 6b 3a 2f 2f 7c 66 69 6c 65 7c }\n    $kad = { 6e 6f 64 65 73 2e 64 61 74 }\n    $server_met = { 73 65 72 76 65 72 2e 6d 65 74 }\n  condition:\n    all of them\n}\n"
  }
])json";

}  // namespace

std::string_view builtinP2pSignaturesText() { return kText; }

const std::vector<P2pSignatureSet>& builtinP2pSignatureSets() {
  static const std::vector<P2pSignatureSet> sets = [] {
    std::vector<P2pSignatureSet> parsed;
    auto json = common::parseJsonStrict(kText);
    MAMORI_ASSERT(json.ok());
    ErrorList errors;
    parseP2pSignatureSets(json.value(), "builtin", errors, parsed);
    for (const auto& error : errors.errors()) std::fprintf(stderr, "mamori: %s\n", error.describe().c_str());
    MAMORI_ASSERT(errors.empty());
    return parsed;
  }();
  return sets;
}

}  // namespace mamori::policy
