// mamorictl edm: register a customer table for exact data match (docs/admin.md "Register a customer
// table", docs/decisions/0034). The CSV is read and every value normalised and hashed on this machine
// with the fleet's key; only keyed hashes and row numbers are sent, in parts of a few MB.

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "collector/ctl/Commands.h"
#include "collector/ctl/SetCommands.h"
#include "common/Base64Url.h"
#include "common/CommandLine.h"
#include "common/Crypto.h"
#include "common/Csv.h"
#include "common/Files.h"
#include "common/JsonValue.h"
#include "common/Utf8.h"
#include "fingerprint/EdmArtifact.h"
#include "scan/TextDecoder.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kEdmUsage =
    "Usage: mamorictl edm add --set NAME --columns TYPE,TYPE,... [--min-columns N] [--no-header]\n"
    "                         [--tab] FILE.csv\n"
    "       mamorictl edm list [--json]\n"
    "       mamorictl edm show NAME [--json]\n"
    "       mamorictl edm export NAME --output FILE\n"
    "       mamorictl edm remove NAME\n"
    "\n"
    "Exact-data-match sets: a customer table whose rows agents recognise in files. add reads the CSV\n"
    "(UTF-8, or Shift_JIS/CP932 as Excel writes it) on this machine, normalises\n"
    "each value by its column's type and sends only keyed hashes of the values and row numbers to the\n"
    "collector, which signs the set; it replaces the set's previous table. --columns names the type of\n"
    "every CSV column in order:\n"
    "  name      a person's name (width, case, spaces and katakana/hiragana do not matter)\n"
    "  kana      the reading of a name (as name)\n"
    "  phone     a phone number (only its digits count; +81 is read as 0)\n"
    "  email     an e-mail address (case does not matter)\n"
    "  mynumber  a 12-digit My Number;  card  a 13-19 digit card number;  number  any other id\n"
    "  address   a postal address (丁目/番/号 and hyphens meet)\n"
    "  text      other text;  skip  a column not registered\n"
    "A file is reported when it holds values of at least N columns of one row (--min-columns) close\n"
    "together, one of them not a name, kana or text. list shows the sets; show one set; export writes\n"
    "the signed set with the fleet's key for `mamori-agent scan --edm`; remove deletes a set.\n";

constexpr const char* kEdmExit =
    "Exit status:\n"
    "  0  ok\n"
    "  1  collector or network error (or an unreadable file)\n"
    "  2  usage error\n";

constexpr std::size_t kMaxCsvBytes = 2048U << 20U;
// Entries per upload part: 12 bytes each, base64url in a request well under the collector's 8 MiB.
constexpr std::size_t kEntriesPerPart = 400'000;

struct AddOptions {
  std::string set, columns, file;
  std::int64_t minColumns = 2;
  bool header = true;
  char separator = ',';
};

common::Result<std::vector<fingerprint::EdmType>> parseColumns(const std::string& text) {
  std::vector<fingerprint::EdmType> columns;
  std::size_t from = 0;
  while (from <= text.size()) {
    const std::size_t comma = std::min(text.find(',', from), text.size());
    const std::string name = text.substr(from, comma - from);
    const auto type = fingerprint::edmTypeFromName(name);
    if (!type)
      return common::makeError("--columns: \"" + name +
                               "\" is not a column type (name, kana, phone, email, mynumber, card, number, "
                               "address, text, skip)");
    columns.push_back(*type);
    from = comma + 1;
  }
  if (columns.size() > fingerprint::kEdmMaxColumns)
    return common::makeError("--columns: at most " + std::to_string(fingerprint::kEdmMaxColumns) + " columns");
  if (std::all_of(columns.begin(), columns.end(), [](auto t) { return t == fingerprint::EdmType::kSkip; }))
    return common::makeError("--columns: every column is skip");
  return columns;
}

std::string uploadId(const std::string& data) {
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  return common::sha256Hex(data.substr(0, 1 << 16) + std::to_string(now)).substr(0, 24);
}

int add(const ConnectionOptions& connection, const AddOptions& options) {
  if (!fingerprint::isSafeSetName(options.set))
    return reportError(kExitUsage, "edm add: --set NAME of letters, digits, '_', '-' or '.' (1 to 64)");
  auto columns = parseColumns(options.columns);
  if (!columns) return reportError(kExitUsage, "edm add: " + columns.error().message);
  if (options.minColumns < 1 || options.minColumns > static_cast<std::int64_t>(columns.value().size()))
    return reportError(kExitUsage, "edm add: --min-columns must be 1 to the number of columns");
  auto data = common::readSmallFile(options.file, kMaxCsvBytes);
  if (!data) return reportError(kExitFailure, data.error().describe());
  std::string text = std::move(data).value();
  if (auto decoded = scan::decodeToUtf8(text)) text = std::move(*decoded);  // Excel's CSV in Shift_JIS

  // The last part makes the collector build and sign the set: minutes for a million rows.
  auto client = AdminClient::connect(connection.forSetBuilds());
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto key = fetchFleetKey(*client.value());
  if (!key) return reportError(kExitFailure, key.error().describe());

  common::CsvReader reader(text, options.separator);
  std::vector<std::string> fields;
  std::vector<fingerprint::EdmEntry> entries;
  std::vector<std::uint64_t> lengths(columns.value().size(), 0);  // the values' byte lengths, per column
  std::uint32_t rows = 0;
  std::size_t unreadable = 0, short_rows = 0, weak_rows = 0;
  std::string firstProblem;
  if (options.header) reader.next(fields);
  while (reader.next(fields)) {
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (rows >= fingerprint::kEdmMaxRows)
      return reportError(kExitFailure, "edm add: more than " + std::to_string(fingerprint::kEdmMaxRows) + " rows");
    if (fields.size() != columns.value().size() && firstProblem.empty())
      firstProblem = "line " + std::to_string(reader.line()) + " has " + std::to_string(fields.size()) +
                     " fields, --columns names " + std::to_string(columns.value().size());
    const std::vector<std::string_view> cells(fields.begin(), fields.end());
    const std::size_t before = entries.size();
    const std::size_t bad = fingerprint::hashEdmRow(key.value(), columns.value(), cells, rows, entries, &lengths);
    if (bad > 0 && firstProblem.empty())
      firstProblem = "line " + std::to_string(reader.line()) + " has a value that is not of its column's type";
    unreadable += bad;
    // A row whose readable values cover fewer than min_columns columns, or only names, is never found.
    std::uint64_t seen = 0, strong = 0;
    for (std::size_t i = before; i < entries.size(); ++i) {
      const auto column = entries[i].key & fingerprint::kEdmColumnMask;
      seen |= 1ULL << column;
      if (fingerprint::edmTypeIsStrong(columns.value()[column])) strong |= 1ULL << column;
    }
    if (std::popcount(seen) < options.minColumns)
      ++short_rows;
    else if (strong == 0)
      ++weak_rows;
    ++rows;
  }
  if (rows == 0) return reportError(kExitFailure, "edm add: " + options.file + ": no rows");
  std::printf("read %u rows of %s: %zu values hashed", rows, common::visibleText(options.file).c_str(), entries.size());
  if (unreadable > 0) std::printf(", %zu cells not readable as their column's type", unreadable);
  std::printf("\n");
  if (!firstProblem.empty()) std::fprintf(stderr, "mamorictl: note: %s\n", firstProblem.c_str());
  if (short_rows + weak_rows > 0)
    std::fprintf(stderr,
                 "mamorictl: note: %zu rows have values in fewer than %lld columns and %zu only names or text; "
                 "they cannot be found\n",
                 short_rows, static_cast<long long>(options.minColumns), weak_rows);

  const std::string upload = uploadId(text);
  const std::size_t parts = std::max<std::size_t>(1, (entries.size() + kEntriesPerPart - 1) / kEntriesPerPart);
  std::string columnsJson = "[";
  for (std::size_t i = 0; i < columns.value().size(); ++i)
    columnsJson += (i > 0 ? ",\"" : "\"") + std::string(fingerprint::edmTypeName(columns.value()[i])) + "\"";
  columnsJson += "]";
  std::string lengthsJson = "[";
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(lengths[i]));
    lengthsJson += (i > 0 ? ",\"" : "\"") + std::string(hex) + "\"";
  }
  lengthsJson += "]";
  const std::string fileName = std::filesystem::path(options.file).filename().string();
  for (std::size_t part = 0; part < parts; ++part) {
    const std::size_t from = part * kEntriesPerPart;
    const std::size_t to = std::min(entries.size(), from + kEntriesPerPart);
    const std::vector<fingerprint::EdmEntry> slice(entries.begin() + static_cast<std::ptrdiff_t>(from),
                                                   entries.begin() + static_cast<std::ptrdiff_t>(to));
    const std::string body = "{\"set\":" + common::jsonQuote(options.set) +
                             ",\"key_id\":" + common::jsonQuote(key.value().keyId()) + ",\"hash\":\"" +
                             std::string(fingerprint::kSetHashScheme) + "\",\"upload\":\"" + upload +
                             "\",\"part\":" + std::to_string(part + 1) + ",\"parts\":" + std::to_string(parts) +
                             ",\"file\":" + common::jsonQuote(fileName) + ",\"rows\":" + std::to_string(rows) +
                             ",\"columns\":" + columnsJson + ",\"lengths\":" + lengthsJson +
                             ",\"min_columns\":" + std::to_string(options.minColumns) + ",\"entries\":\"" +
                             common::base64UrlEncode(fingerprint::packEdmEntries(slice)) + "\"}";
    auto answer = client.value()->send("POST", "/api/v1/edm", body);
    if (!answer) return reportError(kExitFailure, answer.error().describe());
    const int expected = part + 1 == parts ? 201 : 202;
    if (answer.value().status != expected) return reportError(kExitFailure, answer.value().describe());
    if (part + 1 < parts) continue;
    const auto& o = answer.value().object;
    std::printf("set %s version %s: %s rows, %s values, artifact %s bytes\n", shownText(o, "set").c_str(),
                shownText(o, "version").c_str(), shownText(o, "rows").c_str(), shownText(o, "values").c_str(),
                shownText(o, "artifact_bytes").c_str());
  }
  return kExitOk;
}

int show(const ConnectionOptions& connection, const std::string& set, bool json) {
  if (!fingerprint::isSafeSetName(set)) return reportError(kExitUsage, "edm show: not a set name: " + set);
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->getJson("/api/v1/edm/" + set);
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (json) {
    printJsonPretty(answer.value());
    return kExitOk;
  }
  std::printf("set %s version %s: %s rows, %s values, updated %s, artifact sha256 %s\n",
              shownText(answer.value(), "set").c_str(), shownText(answer.value(), "version").c_str(),
              shownText(answer.value(), "rows").c_str(), shownText(answer.value(), "values").c_str(),
              shownText(answer.value(), "updated").c_str(), shownText(answer.value(), "sha256").c_str());
  return kExitOk;
}

}  // namespace

int runEdmCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  bool json = false, noHeader = false, tab = false;
  AddOptions options;
  std::string output;
  std::vector<std::string> words;
  namespace opt = common::opt;
  common::CommandLine line;
  line
      .table({
          {"--set", "NAME", opt::text(options.set), "add: the set the table goes into"},
          {"--columns", "TYPE,...", opt::text(options.columns), "add: the type of every CSV column, in order (above)"},
          {"--min-columns", "N", opt::integer(1, 64, options.minColumns),
           "add: how many columns of one row a file must hold, 1 to 64\n(default 2)"},
          {"--no-header", "", opt::flag(noHeader), "add: the first line is a row, not a header"},
          {"--tab", "", opt::flag(tab), "add: the file is tab-separated"},
          {"--json", "", opt::flag(json), "list, show: JSON instead of a table"},
          {"--output", "FILE", opt::text(output), "export: where the signed set file goes"},
      })
      .positionals(words);
  if (auto done = common::parseOrExit(line, args, "mamorictl edm", commandHelp(kEdmUsage, line, kEdmExit))) {
    return *done;
  }
  options.header = !noHeader;
  if (tab) options.separator = '\t';
  if (words.size() == 2 && words[0] == "add" && !options.set.empty() && !options.columns.empty()) {
    options.file = words[1];
    return add(connection, options);
  }
  if (words.size() == 1 && words[0] == "list")
    return listSignedSets(
        connection, "/api/v1/edm",
        {{"SET", "set"}, {"VERSION", "version"}, {"ROWS", "rows"}, {"VALUES", "values"}, {"UPDATED", "updated"}}, json);
  if (words.size() == 2 && words[0] == "show") return show(connection, words[1], json);
  if (words.size() == 2 && words[0] == "export" && !output.empty())
    return exportSignedSet(connection, "/api/v1/edm/", "edm", words[1], output);
  if (words.size() == 2 && words[0] == "remove") return removeSignedSet(connection, "/api/v1/edm/", "edm", words[1]);
  return reportError(kExitUsage,
                     "usage: mamorictl edm add --set NAME --columns TYPE,... FILE.csv | list | show NAME | "
                     "export NAME --output FILE | remove NAME (see --help)");
}

}  // namespace mamori::collector::ctl
