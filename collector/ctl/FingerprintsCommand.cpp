// mamorictl fingerprints: register company documents as fingerprint sets (docs/admin.md "Register
// company documents", docs/decisions/0032). Documents are read and hashed on this machine with the
// scanner's own extractors and the fleet's key; only keyed hashes, lengths and file names are sent.

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "collector/ctl/Commands.h"
#include "collector/ctl/SetCommands.h"
#include "common/Base64Url.h"
#include "common/CommandLine.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/Files.h"
#include "common/JsonValue.h"
#include "common/Utf8.h"
#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/Sampling.h"
#include "scan/Pieces.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kFingerprintsUsage =
    "Usage: mamorictl fingerprints add --set NAME [--boilerplate-docs N] FILE|DIR...\n"
    "       mamorictl fingerprints list [--json]\n"
    "       mamorictl fingerprints show NAME [--json]\n"
    "       mamorictl fingerprints export NAME --output FILE\n"
    "       mamorictl fingerprints remove NAME\n"
    "\n"
    "Document fingerprint sets. add reads each file (folders recursively) on this machine with the\n"
    "agent's extractors (Office, OpenDocument, PDF, RTF, text in any common Japanese encoding),\n"
    "normalises its text and sends only keyed hashes of it, its length and its name to the collector,\n"
    "which builds and signs the set; agents whose policy names the set then recognise files that\n"
    "contain enough of a document. A document is identified by the first 16 hex digits of the file's\n"
    "SHA-256; adding the same file again replaces it.\n"
    "list shows the sets; show one set's documents; export writes the signed set with the fleet's\n"
    "key for `mamori-agent scan --fingerprints` and mamori-inspect; remove deletes a set.\n";

constexpr const char* kFingerprintsExit =
    "Exit status:\n"
    "  0  ok\n"
    "  1  collector or network error (or a file that could not be read)\n"
    "  2  usage error\n";

constexpr std::size_t kMaxFileBytes = 256U << 20U;
constexpr std::size_t kUploadBytes = 4U << 20U;

struct Hashed {
  std::string json;  // the document's entry of the upload
  std::string summary;
};

// Every regular file under the arguments, in a stable order.
std::vector<std::string> collectFiles(const std::vector<std::string>& inputs, std::string& problem) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    std::error_code error;
    if (std::filesystem::is_directory(input, error)) {
      std::vector<std::string> found;
      for (auto it = std::filesystem::recursive_directory_iterator(input, error);
           !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        if (it->is_regular_file(error)) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::is_regular_file(input, error)) {
      files.push_back(input);
    } else {
      problem = input + ": not a file or folder";
      return {};
    }
  }
  return files;
}

std::string packHashes(const std::vector<std::uint64_t>& hashes) {
  std::string packed;
  packed.reserve(hashes.size() * 8);
  for (const std::uint64_t h : hashes)
    for (int i = 0; i < 8; ++i) packed.push_back(static_cast<char>((h >> (8 * i)) & 0xFF));
  return common::base64UrlEncode(packed);
}

common::Result<Hashed> hashFile(const std::string& path, const fingerprint::FingerprintKey& key) {
  auto data = common::readSmallFile(path, kMaxFileBytes);
  if (!data) return data.error();
  std::string text;
  std::vector<scan::NotInspected> notInspected;
  scan::extractPieces(
      data.value(), scan::ExtractionLimits{},
      [&](const scan::Piece& piece) {
        text.append(scan::fingerprintText(piece));
        text.push_back('\n');
      },
      notInspected);
  if (!notInspected.empty())
    return common::makeError("could not read all of it (" + notInspected[0].reason + ")", path);
  std::size_t chars = 0;
  const auto hashes = fingerprint::distinctHashes(fingerprint::fingerprintText(text, key, {}, &chars));
  if (hashes.empty())
    return common::makeError(
        "no text to fingerprint (no 16-letter stretch selected: about one in 32 is, so a text needs a few "
        "hundred letters or digits)",
        path);
  const std::string id = common::sha256Hex(data.value()).substr(0, 16);
  Hashed out;
  out.json = "{\"id\":" + common::jsonQuote(id) +
             // A file name is bytes (Shift_JIS from an old archive): the collector stores only UTF-8 without
             // NUL, so it goes as the events send names (\xNN for each byte that is not UTF-8).
             ",\"name\":" + common::jsonQuote(common::storableText(std::filesystem::path(path).filename().string())) +
             ",\"chars\":" + std::to_string(chars) + ",\"hashes\":\"" + packHashes(hashes) + "\"}";
  out.summary = id + "  " + path + " (" + std::to_string(chars) + " characters, " + std::to_string(hashes.size()) +
                " fingerprints)";
  return out;
}

int add(const ConnectionOptions& connection, const std::string& set, const std::string& boilerplate,
        const std::vector<std::string>& inputs) {
  if (!fingerprint::isSafeSetName(set))
    return reportError(kExitUsage, "fingerprints add: --set NAME of letters, digits, '_', '-' or '.' (1 to 64)");
  std::string problem;
  const auto files = collectFiles(inputs, problem);
  if (!problem.empty()) return reportError(kExitUsage, "fingerprints add: " + problem);
  if (files.empty()) return reportError(kExitUsage, "fingerprints add: no files to register");
  // Every upload makes the collector rebuild the whole set.
  auto client = AdminClient::connect(connection.forSetBuilds());
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto key = fetchFleetKey(*client.value(), true);
  if (!key) return reportError(kExitFailure, key.error().describe());

  int exit = kExitOk;
  std::vector<Hashed> batch;
  std::size_t batchBytes = 0;
  std::int64_t sent = 0;
  const auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    std::string body = "{\"set\":" + common::jsonQuote(set) + ",\"key_id\":" + common::jsonQuote(key.value().keyId()) +
                       ",\"hash\":\"" + std::string(fingerprint::kSetHashScheme) + "\",\"selection\":\"" +
                       std::string(fingerprint::kDocumentSelection) + "\"";
    if (!boilerplate.empty()) body += ",\"boilerplate_docs\":" + boilerplate;
    body += ",\"documents\":[";
    for (std::size_t i = 0; i < batch.size(); ++i) body += (i > 0 ? "," : "") + batch[i].json;
    body += "]}";
    auto answer = client.value()->send("POST", "/api/v1/fingerprints", body);
    if (!answer) return reportError(kExitFailure, answer.error().describe()), false;
    if (answer.value().status != 201) return reportError(kExitFailure, answer.value().describe()), false;
    for (const auto& h : batch) std::printf("registered %s\n", common::visibleText(h.summary).c_str());
    const auto& o = answer.value().object;
    std::printf("set %s version %s: %s documents, %s fingerprints (%s dropped as boilerplate)\n",
                shownText(o, "set").c_str(), shownText(o, "version").c_str(), shownText(o, "documents").c_str(),
                shownText(o, "fingerprints").c_str(), shownText(o, "boilerplate_dropped").c_str());
    sent += static_cast<std::int64_t>(batch.size());
    batch.clear();
    batchBytes = 0;
    return true;
  };
  for (const auto& file : files) {
    auto hashed = hashFile(file, key.value());
    if (!hashed) {
      std::fprintf(stderr, "mamorictl: skipped %s\n", common::visibleText(hashed.error().describe()).c_str());
      exit = kExitFailure;
      continue;
    }
    if (batchBytes + hashed.value().json.size() > kUploadBytes && !flush()) return kExitFailure;
    batchBytes += hashed.value().json.size();
    batch.push_back(std::move(hashed).value());
  }
  if (!flush()) return kExitFailure;
  if (sent == 0) return reportError(kExitFailure, "fingerprints add: no document could be registered");
  return exit;
}

int show(const ConnectionOptions& connection, const std::string& set, bool json) {
  if (!fingerprint::isSafeSetName(set)) return reportError(kExitUsage, "fingerprints show: not a set name: " + set);
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->getJson("/api/v1/fingerprints/" + set);
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (json) {
    printJsonPretty(answer.value());
    return kExitOk;
  }
  std::printf("set %s version %s, %s fingerprints, artifact sha256 %s\n", shownText(answer.value(), "set").c_str(),
              shownText(answer.value(), "version").c_str(), shownText(answer.value(), "fingerprints").c_str(),
              shownText(answer.value(), "sha256").c_str());
  const auto documents = answer.value()->getArray("documents");
  std::vector<std::vector<std::string>> rows = {{"ID", "CHARS", "ADDED", "NAME"}};
  for (std::size_t i = 0; !documents.isNull() && i < documents->size(); ++i) {
    const auto d = documents->getObject(static_cast<unsigned>(i));
    rows.push_back({jsonText(d, "id"), jsonText(d, "chars"), jsonText(d, "added"), jsonText(d, "name")});
  }
  std::fputs(formatTable(rows).c_str(), stdout);
  return kExitOk;
}

}  // namespace

int runFingerprintsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  bool json = false;
  std::string set, boilerplate, output;
  std::vector<std::string> words;
  namespace opt = common::opt;
  common::CommandLine line;
  line.table({
                 {"--set", "NAME", opt::text(set), "add: the set the documents go into"},
                 {"--boilerplate-docs", "N", opt::checked([&boilerplate](const std::string& value) -> common::Status {
                    auto count = common::parseInteger(value, 0, 1'000'000);
                    if (!count || count.value() == 1) return common::makeError("expects 0 or 2 to 1000000");
                    boilerplate = value;
                    return common::Ok{};
                  }),
                  "add: text found in at least N documents of the set is boilerplate\n(letterheads, templates) and "
                  "ignored (default 3; 0 keeps all)"},
                 {"--json", "", opt::flag(json), "list, show: JSON instead of a table"},
                 {"--output", "FILE", opt::text(output), "export: where the signed set file goes"},
             })
      .positionals(words);
  if (auto done = common::parseOrExit(line, args, "mamorictl fingerprints",
                                      commandHelp(kFingerprintsUsage, line, kFingerprintsExit))) {
    return *done;
  }
  if (!words.empty() && words[0] == "add" && words.size() >= 2 && !set.empty())
    return add(connection, set, boilerplate, {words.begin() + 1, words.end()});
  if (words.size() == 1 && words[0] == "list")
    return listSignedSets(connection, "/api/v1/fingerprints",
                          {{"SET", "set"},
                           {"VERSION", "version"},
                           {"DOCUMENTS", "documents"},
                           {"FINGERPRINTS", "fingerprints"},
                           {"UPDATED", "updated"}},
                          json);
  if (words.size() == 2 && words[0] == "show") return show(connection, words[1], json);
  if (words.size() == 2 && words[0] == "export" && !output.empty())
    return exportSignedSet(connection, "/api/v1/fingerprints/", "fingerprints", words[1], output);
  if (words.size() == 2 && words[0] == "remove")
    return removeSignedSet(connection, "/api/v1/fingerprints/", "fingerprints", words[1]);
  return reportError(kExitUsage,
                     "usage: mamorictl fingerprints add --set NAME FILE|DIR... | list | show NAME | "
                     "export NAME --output FILE | remove NAME (see --help)");
}

}  // namespace mamori::collector::ctl
