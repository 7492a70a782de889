#include "policy/BuiltinP2pSignatures.h"

#include <cstdio>

#include "policy/JsonParser.h"
#include "policy/SectionParsers.h"

namespace mamori::policy {

namespace {

// Names cover the Windows-era programs behind the leaks that started this product (they reach
// Linux through Wine) and the BitTorrent/eD2k clients Debian ships. Executable hashes are per
// build, so they belong in each company's own sets; the YARA rule recognises BitTorrent engines
// (libtorrent, libaria2 ...) by vocabulary rather than by build. "BitTorrent protocol" alone is
// also in libwireshark, hence the extra strings and the exclusion of dissector code.
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
    "yara": "rule bittorrent_engine\n{\n  meta:\n    description = \"BitTorrent engine: handshake plus DHT, tracker or extension vocabulary\"\n  strings:\n    $handshake = \"BitTorrent protocol\"\n    $dht_query = \"d1:ad2:id20:\"\n    $info_hash = \"info_hash=\"\n    $peer_id = \"peer_id=\"\n    $ut_metadata = \"ut_metadata\"\n    $ut_pex = \"ut_pex\"\n    $magnet = \"magnet:?xt=urn:btih:\"\n    $dissector = \"proto_register_\"\n  condition:\n    $handshake and 2 of ($dht_query, $info_hash, $peer_id, $ut_metadata, $ut_pex, $magnet) and not $dissector\n}\n\nrule ed2k_engine\n{\n  meta:\n    description = \"eDonkey/Kad engine (aMule, eMule)\"\n  strings:\n    $ed2k_link = \"ed2k://|file|\"\n    $kad = \"nodes.dat\"\n    $server_met = \"server.met\"\n  condition:\n    all of them\n}\n"
  }
])json";

}  // namespace

std::string_view builtinP2pSignaturesText() { return kText; }

const std::vector<P2pSignatureSet>& builtinP2pSignatureSets() {
  static const std::vector<P2pSignatureSet> sets = [] {
    std::vector<P2pSignatureSet> parsed;
    auto json = parseJsonStrict(kText);
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
