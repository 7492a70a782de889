#include "policy/BuiltinP2pSignatures.h"

#include <cstdio>

#include "common/JsonParser.h"
#include "policy/SectionParsers.h"

namespace mamori::policy {

namespace {

// Names cover the Windows-era programs behind the leaks that started this product (they reach
// Linux through Wine) and the BitTorrent/eD2k clients Debian ships. The Windows clients are also
// known by the strings of their version resource (product, original file name, internal name,
// description, company as their publishers wrote them; a renamed copy keeps them) and Winny by the
// RC4 key its protocol header is encrypted with (published protocol analyses) beside the node and
// upload list files it reads; µTorrent and BitComet are BitTorrent engines and eMule an eD2k/Kad
// engine, so the rules below recognise their PE files too (docs/decisions/0036). Executable hashes are per
// build, so they belong in each company's own sets (and the agent learns those of the clients
// installed on its machine); the YARA rules recognise the engines by vocabulary that survives
// renaming and rebuilding: BitTorrent engines (libtorrent, libaria2, transmission) by the handshake
// text with DHT, tracker or extension words; clients that build the handshake in code (ctorrent) by
// their tracker announce builder and its answer's words; eD2k/Kad engines (aMule) by their server
// list, node list and partial-download file names; Deluge's Python launchers by their imports.
// "BitTorrent protocol" alone is also in libwireshark, hence the extra strings and the exclusion of
// dissector code. The tracker-client, eD2k and Winny rules look at ELF and PE files only, the
// launcher rule at "#!" scripts only; the engine rule at any program (a script that speaks the
// handshake with that vocabulary is a client too; the agent and mamori-inspect hand it programs and
// scripts, never documents). Checked against /usr/bin, /usr/sbin, /usr/lib/x86_64-linux-gnu, Python's library and
// Wireshark's plugins on Debian 12 (curl, libcurl, OpenSSL, tshark, libwireshark: no match). The
// strings are written as hex so that a binary carrying this text (mamori's own, the inspection
// tool) does not match its own rules.
// The Windows set's names that are also everyday words ("share", "thunder") are written with ".exe":
// they name the Windows program (run through Wine, or a file so named), never a Linux command or a
// user's script called share, which a name alone would otherwise have killed.
constexpr std::string_view kText = R"json([
  {
    "name": "builtin-windows-p2p",
    "process_names": ["winny", "winny2", "share.exe", "share_ex2", "perfectdark", "perfect dark",
                      "utorrent", "µtorrent", "bittorrent", "bitcomet", "emule", "cabos",
                      "limewire", "frostwire", "shareaza", "vuze", "azureus", "xunlei", "thunder.exe"],
    "pe_version_info": [{"field": "ProductName", "value": "Winny*"},
                        {"field": "OriginalFilename", "value": "Winny*.exe"},
                        {"field": "InternalName", "value": "Winny*"},
                        {"field": "FileDescription", "value": "Winny*"},
                        {"field": "ProductName", "value": "Share"},
                        {"field": "ProductName", "value": "Share EX*"},
                        {"field": "OriginalFilename", "value": "Share.exe"},
                        {"field": "OriginalFilename", "value": "Share_EX*.exe"},
                        {"field": "InternalName", "value": "Share_EX*"},
                        {"field": "ProductName", "value": "Perfect Dark*"},
                        {"field": "ProductName", "value": "PerfectDark*"},
                        {"field": "OriginalFilename", "value": "PerfectDark*.exe"},
                        {"field": "OriginalFilename", "value": "Perfect Dark*.exe"},
                        {"field": "FileDescription", "value": "Perfect Dark*"},
                        {"field": "ProductName", "value": "µTorrent*"},
                        {"field": "ProductName", "value": "μTorrent*"},
                        {"field": "ProductName", "value": "uTorrent*"},
                        {"field": "OriginalFilename", "value": "uTorrent*.exe"},
                        {"field": "InternalName", "value": "uTorrent*"},
                        {"field": "FileDescription", "value": "µTorrent*"},
                        {"field": "ProductName", "value": "BitTorrent"},
                        {"field": "OriginalFilename", "value": "BitTorrent.exe"},
                        {"field": "ProductName", "value": "BitComet*"},
                        {"field": "OriginalFilename", "value": "BitComet*.exe"},
                        {"field": "CompanyName", "value": "*BitComet*"},
                        {"field": "ProductName", "value": "eMule*"},
                        {"field": "OriginalFilename", "value": "emule*.exe"},
                        {"field": "InternalName", "value": "emule*"},
                        {"field": "CompanyName", "value": "*emule-project*"}],
    "yara": "rule winny_engine\n{\n  meta:\n    description = \"Winny: the RC4 key that encrypts its protocol header, with the node list or upload list file it reads\"\n  strings:\n    $header_key = { 39 38 37 38 39 61 73 6a }\n    $noderef = { 4e 6f 64 65 72 65 66 2e 74 78 74 }\n    $upfolder = { 55 70 46 6f 6c 64 65 72 2e 74 78 74 }\n  condition:\n    uint16(0) == 0x5a4d and $header_key and ($noderef or $upfolder)\n}\n"
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
    "yara": "rule bittorrent_engine\n{\n  meta:\n    description = \"BitTorrent engine: handshake plus DHT, tracker or extension vocabulary\"\n  strings:\n    $handshake = { 42 69 74 54 6f 72 72 65 6e 74 20 70 72 6f 74 6f 63 6f 6c }\n    $dht_query = { 64 31 3a 61 64 32 3a 69 64 32 30 3a }\n    $info_hash = { 69 6e 66 6f 5f 68 61 73 68 3d }\n    $peer_id = { 70 65 65 72 5f 69 64 3d }\n    $ut_metadata = { 75 74 5f 6d 65 74 61 64 61 74 61 }\n    $ut_pex = { 75 74 5f 70 65 78 }\n    $magnet = { 6d 61 67 6e 65 74 3a 3f 78 74 3d 75 72 6e 3a 62 74 69 68 3a }\n    $dissector = { 70 72 6f 74 6f 5f 72 65 67 69 73 74 65 72 5f }\n  condition:\n    $handshake and 2 of ($dht_query, $info_hash, $peer_id, $ut_metadata, $ut_pex, $magnet) and not $dissector\n}\n\nrule bittorrent_tracker_client\n{\n  meta:\n    description = \"BitTorrent client without the handshake text (ctorrent builds it in code): tracker announce builder and its answer's vocabulary\"\n  strings:\n    $first = { 3f 69 6e 66 6f 5f 68 61 73 68 3d }\n    $next = { 26 69 6e 66 6f 5f 68 61 73 68 3d }\n    $peer_id = { 70 65 65 72 5f 69 64 3d }\n    $uploaded = { 26 75 70 6c 6f 61 64 65 64 3d }\n    $downloaded = { 26 64 6f 77 6e 6c 6f 61 64 65 64 3d }\n    $left = { 26 6c 65 66 74 3d }\n    $failure = { 66 61 69 6c 75 72 65 20 72 65 61 73 6f 6e }\n    $dissector = { 70 72 6f 74 6f 5f 72 65 67 69 73 74 65 72 5f }\n  condition:\n    (uint32(0) == 0x464c457f or uint16(0) == 0x5a4d) and ($first or $next) and $peer_id and $failure and 2 of ($uploaded, $downloaded, $left) and not $dissector\n}\n\nrule ed2k_engine\n{\n  meta:\n    description = \"eDonkey/Kad engine (aMule, eMule): its server list, Kad node list and partial-download files\"\n  strings:\n    $server_met = { 73 65 72 76 65 72 2e 6d 65 74 }\n    $nodes_dat = { 6e 6f 64 65 73 2e 64 61 74 }\n    $part_met = { 70 61 72 74 2e 6d 65 74 }\n    $ed2k_link = { 65 64 32 6b 3a 2f 2f 7c 66 69 6c 65 7c }\n    $dissector = { 70 72 6f 74 6f 5f 72 65 67 69 73 74 65 72 5f }\n  condition:\n    (uint32(0) == 0x464c457f or uint16(0) == 0x5a4d) and $server_met and $nodes_dat and ($part_met or $ed2k_link) and not $dissector\n}\n\nrule deluge_launcher\n{\n  meta:\n    description = \"A Python launcher of Deluge (deluged, deluge-console ...), whatever its file name\"\n  strings:\n    $requires = { 27 64 65 6c 75 67 65 3d 3d }\n    $from = { 66 72 6f 6d 20 64 65 6c 75 67 65 2e }\n    $import = { 69 6d 70 6f 72 74 20 64 65 6c 75 67 65 }\n    $python = { 70 79 74 68 6f 6e }\n  condition:\n    uint16(0) == 0x2123 and $python in (0..128) and filesize < 65536 and ($requires or $from or $import)\n}\n"
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
