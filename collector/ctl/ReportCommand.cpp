// mamorictl report: the fleet report (docs/admin.md "Reports"): made now for a period and a group,
// or one of the weekly reports the collector wrote.

#include <unistd.h>

#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "collector/ctl/Commands.h"
#include "common/Clock.h"
#include "common/CommandLine.h"
#include "common/Files.h"
#include "common/LocalTime.h"
#include "common/Utf8.h"
#include "common/net/HttpsClient.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kReportUsage =
    "Usage: mamorictl report [--group NAME] [--since DAY] [--until DAY] [--utc-offset MINUTES]\n"
    "                        [--format html|csv] [-o FILE]\n"
    "       mamorictl report list\n"
    "       mamorictl report get NAME [-o FILE]\n"
    "\n"
    "The fleet report an IT security team files: events per day by severity, events by type against\n"
    "the period before, the PCs and users with the most high and critical events, incidents opened,\n"
    "blocked devices, stopped P2P programs, exceptions granted and administrators' actions. HTML is\n"
    "one self-contained page (no script, nothing loaded from elsewhere); CSV is UTF-8 with a byte-order\n"
    "mark for Excel, each row starting with its section. Taking a report is recorded in the audit trail.\n"
    "list shows the weekly reports the collector wrote (every Monday, for the fleet and each group);\n"
    "get NAME downloads one (to NAME in this folder unless -o is given).\n";

// "2026-11-30" at the offset, or a UTC time, as Unix milliseconds; nullopt when neither.
std::optional<std::int64_t> dayOrTime(const std::string& text, int offsetMinutes) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    const auto midnight = common::parseUtcMs(text + "T00:00:00Z");
    if (!midnight) return std::nullopt;
    return *midnight - std::int64_t{offsetMinutes} * 60'000;
  }
  return common::parseUtcMs(text);
}

int writeOut(const std::string& body, const std::string& output) {
  if (output.empty() || output == "-") {
    if (std::fwrite(body.data(), 1, body.size(), stdout) != body.size()) {
      return reportError(kExitFailure, "cannot write the report to standard output");
    }
    return kExitOk;
  }
  if (auto written = common::writeFileAtomically(output, body, 0640); !written) {
    return reportError(kExitFailure, written.error().describe());
  }
  std::fprintf(stderr, "mamorictl: report written to %s (%zu bytes)\n", common::visibleText(output).c_str(),
               body.size());
  return kExitOk;
}

int download(const ConnectionOptions& connection, const std::string& path, const std::string& output) {
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitFailure, client.error().describe());
  auto answer = client.value()->send("GET", path, "");
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (answer.value().status != 200) return reportError(kExitFailure, answer.value().describe());
  return writeOut(answer.value().body, output);
}

int list(const ConnectionOptions& connection) {
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitFailure, client.error().describe());
  auto answer = client.value()->getJson("/api/v1/reports");
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  const auto reports = answer.value()->getArray("reports");
  std::vector<std::vector<std::string>> rows{{"WEEK", "GROUP", "FORMAT", "BYTES", "NAME"}};
  for (std::size_t i = 0; reports && i < reports->size(); ++i) {
    const auto report = reports->getObject(static_cast<unsigned>(i));
    if (!report) continue;
    rows.push_back({shownText(report, "week"), shownText(report, "group"), shownText(report, "format"),
                    shownText(report, "bytes"), shownText(report, "name")});
  }
  std::fputs(formatTable(rows).c_str(), stdout);
  if (rows.size() == 1) std::fputs("(no weekly report yet: the collector writes them every Monday)\n", stdout);
  return kExitOk;
}

}  // namespace

int runReportCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  std::string group, since, until, format = "html", output;
  std::int64_t offset = common::localUtcOffsetMinutes();
  std::vector<std::string> words;
  namespace opt = common::opt;
  common::CommandLine line;
  line.table({
                 {"--group", "NAME", opt::text(group), "only the PCs in this group now (default: the whole fleet)"},
                 {"--since", "DAY", opt::text(since),
                  "first day, YYYY-MM-DD (or a UTC time); default: last Monday a week\nago"},
                 {"--until", "DAY", opt::text(until),
                  "the day after the last one, YYYY-MM-DD; default: a week after\n--since (without either: last week, "
                  "Monday to Sunday)"},
                 {"--utc-offset", "MINUTES", opt::integer(-720, 840, offset),
                  "where days begin, minutes east of UTC (540 for Japan; default:\nthis machine's time zone)"},
                 {"--format", "html|csv", opt::choice({"html", "csv"}, format), "default html"},
                 {"--output", "FILE", opt::text(output),
                  "write the report to FILE (default: standard output, unless it is\na terminal)"},
             })
      .alias("-o", "--output")
      .positionals(words);
  if (auto done = common::parseOrExit(line, args, "mamorictl report", commandHelp(kReportUsage, line, kExitStatus))) {
    return *done;
  }
  if (offset % 60 != 0) return reportError(kExitUsage, "report: --utc-offset: expected whole hours (540 for Japan)");
  if (!words.empty() && words[0] == "list") {
    if (words.size() != 1) return reportError(kExitUsage, "report list takes no other word");
    return list(connection);
  }
  if (!words.empty() && words[0] == "get") {
    if (words.size() != 2)
      return reportError(kExitUsage, "report get NAME: one report name (see mamorictl report list)");
    // The collector accepts only its own report names; the name is a path segment, so no '/' here.
    if (words[1].find('/') != std::string::npos || words[1].rfind("mamori-report-", 0) != 0) {
      return reportError(kExitUsage,
                         "report get: \"" + words[1] + "\" is not a report name (see mamorictl report list)");
    }
    return download(connection, "/api/v1/reports/" + common::net::urlEncode(words[1]),
                    output.empty() ? words[1] : output);
  }
  if (!words.empty()) return reportError(kExitUsage, "report: unknown word \"" + words[0] + "\" (list, get)");
  if (output.empty() && isatty(STDOUT_FILENO) != 0) {
    return reportError(kExitUsage, "report: give -o FILE (or redirect standard output): the report is a file");
  }
  std::string query = "format=" + format + "&tz_offset_min=" + std::to_string(offset);
  for (const auto& [name, value, key] :
       {std::tuple{"--since", since, "since"}, std::tuple{"--until", until, "until"}}) {
    if (value.empty()) continue;
    const auto ms = dayOrTime(value, static_cast<int>(offset));
    if (!ms) return reportError(kExitUsage, std::string("report: ") + name + ": expected YYYY-MM-DD or a UTC time");
    query += std::string("&") + key + "=" + std::to_string(*ms);
  }
  if (!group.empty()) query += "&group=" + common::net::urlEncode(group);
  return download(connection, "/api/v1/report?" + query, output);
}

}  // namespace mamori::collector::ctl
