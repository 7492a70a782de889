#include <signal.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "collector/ctl/Commands.h"
#include "common/Clock.h"
#include "common/CommandLine.h"
#include "common/Csv.h"
#include "common/Utf8.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kEventsUsage =
    "Usage: mamorictl events [--type T] [--agent ID] [--since WHEN] [--until WHEN] [--limit N]\n"
    "                        [--json | --csv] [--follow]\n"
    "\n"
    "Lists stored events in creation order: time (UTC), severity, type, host, user, details.\n";

constexpr std::size_t kPageSize = 1000;
constexpr std::size_t kDetailsWidth = 80;

struct EventsOptions {
  std::string type;
  std::string agent;
  std::optional<std::int64_t> sinceMs;
  std::optional<std::int64_t> untilMs;
  std::size_t limit = 1000;
  bool json = false;
  bool csv = false;
  bool follow = false;
};

std::optional<std::int64_t> parseWhen(const std::string& text, std::int64_t nowMs) {
  if (auto duration = common::parseDurationMs(text)) return nowMs - *duration;
  return common::parseUtcMs(text);
}

// The smallest UUIDv7 of a millisecond: as a cursor it skips every event created before it.
std::string cursorAt(std::int64_t ms) {
  const std::uint64_t value = static_cast<std::uint64_t>(ms) & 0xffffffffffffULL;  // 48 bits, as in UUIDv7
  char text[48];
  std::snprintf(text, sizeof text, "%08" PRIx64 "-%04" PRIx64 "-7000-8000-000000000000", value >> 16, value & 0xffff);
  return text;
}

class Printer {
 public:
  Printer(bool json, bool csv) : json_(json), csv_(csv) {}

  void print(const Poco::JSON::Object::Ptr& event) {
    std::ostringstream details;
    if (json_) {
      printJsonLine(event);
      return;
    }
    if (csv_) {
      if (!headerDone_) {
        std::fwrite(common::kCsvByteOrderMark.data(), 1, common::kCsvByteOrderMark.size(), stdout);
        std::fputs(common::csvRow(common::eventCsvColumns()).c_str(), stdout);
        headerDone_ = true;
      }
      if (event->has("details")) Poco::JSON::Stringifier::condense(event->get("details"), details);
      std::fputs(common::eventCsvRow({jsonText(event, "id"), jsonText(event, "time"), jsonText(event, "severity"),
                                      jsonText(event, "type"), jsonText(event, "agent_id"), jsonText(event, "host"),
                                      jsonText(event, "user"), details.str()})
                     .c_str(),
                 stdout);
      return;
    }
    if (event->has("details")) Poco::JSON::Stringifier::condense(event->get("details"), details);
    std::string shortDetails = details.str();
    if (shortDetails.size() > kDetailsWidth) shortDetails = common::capUtf8(shortDetails, kDetailsWidth - 3) + "...";
    rows_.push_back({jsonText(event, "time"), jsonText(event, "severity"), jsonText(event, "type"),
                     jsonText(event, "host"), jsonText(event, "user").empty() ? "-" : jsonText(event, "user"),
                     shortDetails});
  }

  // Tables are printed per page so columns line up within it; the header only once.
  void flush() {
    if (!json_ && !csv_ && !rows_.empty()) {
      if (!headerDone_) rows_.insert(rows_.begin(), {"TIME", "SEVERITY", "TYPE", "HOST", "USER", "DETAILS"});
      headerDone_ = true;
      std::fputs(formatTable(rows_).c_str(), stdout);
      rows_.clear();
    }
    std::fflush(stdout);
  }

 private:
  bool json_;
  bool csv_;
  bool headerDone_ = false;
  std::vector<std::vector<std::string>> rows_;
};

std::variant<EventsOptions, int> parseEventsOptions(const std::vector<std::string>& args, std::int64_t nowMs) {
  EventsOptions options;
  auto when = [nowMs](std::optional<std::int64_t>& field) {
    return [nowMs, &field](const std::string& value) -> common::Status {
      const auto ms = parseWhen(value, nowMs);
      if (!ms) {
        return common::makeError("expects 90s, 15m, 1h, 7d or a UTC time like 2026-11-23T02:48:03Z, not \"" + value +
                                 "\"");
      }
      field = *ms;
      return common::Ok{};
    };
  };
  std::int64_t limit = static_cast<std::int64_t>(options.limit);
  namespace opt = common::opt;
  common::CommandLine line;
  line.table({
      {"--type", "T", opt::text(options.type), "only this event type, e.g. device.blocked"},
      {"--agent", "ID", opt::text(options.agent), "only this agent"},
      {"--since", "WHEN", opt::checked(when(options.sinceMs)),
       "from this time on: a duration back from now (90s, 15m, 1h, 7d)\nor a UTC time like 2026-11-23T02:48:03Z"},
      {"--until", "WHEN", opt::checked(when(options.untilMs)), "before this time (same forms)"},
      {"--limit", "N", opt::integer(1, 999'999'999, limit),
       "print at most N events (default 1000; with --follow: per poll)"},
      {"--json", "", opt::flag(options.json), "one event JSON object per line instead of a table"},
      {"--csv", "", opt::flag(options.csv),
       "CSV for spreadsheets: UTF-8 with a byte-order mark (Excel in\nJapanese opens it correctly), a header row, "
       "the whole details as\nJSON in the last column; a value that starts with = + - @ gets a\nleading ' so no "
       "spreadsheet runs it as a formula"},
      {"--follow", "", opt::flag(options.follow),
       "keep polling every second and print new events as they arrive,\nuntil Ctrl-C or SIGTERM; without --since "
       "it starts with events\ncreated from now on"},
  });
  line.alias("-f", "--follow");
  if (auto done = common::parseOrExit(line, args, "mamorictl events", commandHelp(kEventsUsage, line, kExitStatus))) {
    return *done;
  }
  options.limit = static_cast<std::size_t>(limit);
  if (options.json && options.csv) return reportError(kExitUsage, "events: --json and --csv exclude each other");
  return options;
}

std::string queryPath(const EventsOptions& options, const std::string& cursor, std::size_t pageSize) {
  using common::net::urlEncode;
  std::string path = "/api/v1/events?limit=" + std::to_string(pageSize);
  if (!options.type.empty()) path += "&type=" + urlEncode(options.type);
  if (!options.agent.empty()) path += "&agent=" + urlEncode(options.agent);
  if (options.sinceMs) path += "&since=" + std::to_string(*options.sinceMs);
  if (options.untilMs) path += "&until=" + std::to_string(*options.untilMs);
  if (!cursor.empty()) path += "&cursor=" + urlEncode(cursor);
  return path;
}

// Fetches pages from cursor on until there are no more or max events were printed; cursor ends at
// the last event printed. Returns an exit code on failure.
std::optional<int> fetch(AdminClient& client, const EventsOptions& options, std::string& cursor, std::size_t max,
                         Printer& printer) {
  std::size_t printed = 0;
  while (printed < max) {
    auto answer = client.getJson(queryPath(options, cursor, std::min(kPageSize, max - printed)));
    if (!answer) return reportError(kExitFailure, answer.error().describe());
    const auto events = answer.value()->getArray("events");
    if (events.isNull()) return reportError(kExitFailure, "the collector's answer has no \"events\" list");
    for (std::size_t i = 0; i < events->size(); ++i) {
      const auto event = events->getObject(static_cast<unsigned>(i));
      if (event.isNull()) continue;
      printer.print(event);
      cursor = jsonText(event, "id");
      ++printed;
    }
    printer.flush();
    const auto next = answer.value()->get("next_cursor");
    if (next.isEmpty() || events->size() == 0) break;
    cursor = next.convert<std::string>();
  }
  return std::nullopt;
}

}  // namespace

int runEventsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  const std::int64_t nowMs = common::SystemClock().nowMs();
  auto parsed = parseEventsOptions(args, nowMs);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& options = std::get<EventsOptions>(parsed);
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  Printer printer(options.json, options.csv);
  std::string cursor;
  if (!options.follow) {
    if (auto failed = fetch(*client.value(), options, cursor, options.limit, printer)) return *failed;
    return kExitOk;
  }
  // Following: SIGINT/SIGTERM are taken synchronously, and the wait between polls is the signal
  // wait itself, so a stop request ends it at once and nothing spins.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  if (!options.sinceMs) cursor = cursorAt(nowMs);
  while (true) {
    if (auto failed = fetch(*client.value(), options, cursor, options.limit, printer)) return *failed;
    const timespec second{1, 0};
    if (sigtimedwait(&stop, nullptr, &second) > 0) return kExitOk;
  }
}

}  // namespace mamori::collector::ctl
