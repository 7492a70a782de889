#pragma once
// mamorictl's commands. Each takes its own arguments (after the command name) and returns the exit
// code: 0 ok, 1 collector or network error, 2 usage error.

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

#include "collector/ctl/AdminClient.h"
#include "common/CommandLine.h"

namespace mamori::collector::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = common::kExitUsage;

int runAgentsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);
int runEventsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);
// policy validate | push | show | status (PolicyCommand.cpp). validate needs no connection.
int runPolicyCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);
// True when args name a subcommand that works offline (no collector, no admin token).
bool policyCommandIsOffline(const std::vector<std::string>& args);

// exception grant (ExceptionCommand.cpp): a device exception response, signed by the collector or,
// with --key-file, here (offline: no connection, no token).
int runExceptionCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);
bool exceptionCommandIsOffline(const std::vector<std::string>& args);

// inspections [--json] | inspections upload FILE | inspections show ID [--json] (InspectionsCommand.cpp).
int runInspectionsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);

// audit [--since T] [--limit N] [--json] | audit verify (AuditCommand.cpp); verify exits 3 when the
// chain is broken.
int runAuditCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);

// fingerprints add | list | show | export | remove (FingerprintsCommand.cpp): document fingerprint
// sets, hashed on this machine.
int runFingerprintsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);
// mamorictl edm (EdmCommand.cpp): exact-data-match sets from a customer CSV, hashed here.
int runEdmCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);
// report [--group] [--since] [--until] [--format] [-o] | report list | report get NAME (ReportCommand.cpp):
// the fleet report, made now or one of the weekly ones.
int runReportCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);
// requests [--all] | requests approve ID --minutes N | requests refuse ID --note T (RequestsCommand.cpp):
// employees' requests for a blocked device; exit 3 when it was answered already.
int runRequestsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args);
// An answer object on stdout as JSON: one condensed line, or indented by two spaces.
void printJsonLine(const Poco::JSON::Object::Ptr& object);
void printJsonPretty(const Poco::JSON::Object::Ptr& object);
// A command's --help (docs/decisions/0050): head (its Usage: lines and what it does), "Options:" with
// the rows of line's option table (the same rows it parses with), then tail (notes, Exit status: last).
std::string commandHelp(const std::string& head, const common::CommandLine& line, const std::string& tail);
// The exit statuses every command has: 0 ok, 1 collector or network error, 2 usage error.
inline constexpr const char* kExitStatus =
    "Exit status:\n"
    "  0  ok\n"
    "  1  collector or network error\n"
    "  2  usage error\n";

// Prints "mamorictl: <message>" to stderr and returns code.
int reportError(int code, const std::string& message);

// Columns padded to their widest cell; the last column is not padded. Cells are shown through
// common::visibleText (Output.cpp): no control or direction-changing character reaches the terminal.
std::string formatTable(const std::vector<std::vector<std::string>>& rows);

// A field of a collector answer as text ("" when absent or null), as sent: for values that are
// compared or written out whole (a policy document).
std::string jsonText(const Poco::JSON::Object::Ptr& object, const std::string& key);
// The same, safe to print on a terminal (common::visibleText).
std::string shownText(const Poco::JSON::Object::Ptr& object, const std::string& key);

}  // namespace mamori::collector::ctl
