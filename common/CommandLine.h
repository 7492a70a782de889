#pragma once
// The one command-line grammar of every mamori program and of mamorictl's subcommands:
//   --name VALUE and --name=VALUE for an option that takes a value; --name for a switch
//   (--name=VALUE on a switch is an error); -h and --help anywhere; "--" ends the options (what
//   follows is positional even if it starts with "-"); an unknown option or a positional the
//   command does not take is an error that names it. A repeated option gives each of its values to
//   its setter in order (a plain text option keeps the last; a list option keeps them all).
// Each option's reader checks its value; an error names the option (Error::where) and the value.
// Numbers are read only here (parseInteger, parseDecimal, parseSeconds), never with atoi/atof/stoi.
//
// What every program says, the same way (the convention):
// - Messages on stderr start with the program and, for a command of it, the command, each followed by
//   ": ": "mamori-agent: request: --minutes: expects a whole number from 1 to 10080, got \"x\"".
// - A usage error (a wrong command line) adds the line "Try '<program> [command] --help'." and exits
//   kExitUsage (2): usageError() writes both lines.
// - --help writes "Usage: ..." lines, what the command does, "Options:" (aligned, "-h, --help" last)
//   and, last, "Exit status:" with one "  N  meaning" line per status. 0 is success and 2 a usage
//   error in every program. The man pages are made from these texts (installer/man).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/Result.h"

namespace mamori::common {

// The exit status of a usage error, in every program.
inline constexpr int kExitUsage = 2;

// What an option does with what it is given: the kind and the target of one row of an option table.
// Made by the readers in namespace opt.
struct OptionReader {
  bool takesValue = false;
  std::function<Status(const std::string& value)> set;  // an option with a value: checks and stores it
  std::function<void()> toggle;                         // a switch
};

// One row of an option table (CommandLine::table): the option, how --help names its value ("N", "DIR";
// "" for a switch), its reader, and its help ("\n" continues it on a new line at the help's column).
// A row without a name is a heading: its help is a line of its own in --help, after an empty line.
struct OptionRow {
  std::string name;
  std::string value;
  OptionReader read;
  std::string help;
};

// The readers: the kinds of option, each storing into its target.
namespace opt {
OptionReader flag(bool& target);
OptionReader flag(std::function<void()> set);
// Non-empty text; the last given wins.
OptionReader text(std::string& target);
// Non-empty text, repeatable: every value is kept.
OptionReader texts(std::vector<std::string>& target);
// One of the given words.
OptionReader choice(std::vector<std::string> words, std::string& target);
// Any other check: set says what is wrong with a value.
OptionReader checked(std::function<Status(const std::string& value)> set);
// A whole number from min to max, given to store.
OptionReader integer(std::int64_t min, std::int64_t max, std::function<void(std::int64_t)> store);
// A decimal number from min to max ("10", "0.25"), given to store.
OptionReader decimal(double min, double max, std::function<void(double)> store);
// Seconds with at most three decimals ("10", "0.5"), from minMs to maxMs, given to store in milliseconds.
OptionReader seconds(std::int64_t minMs, std::int64_t maxMs, std::function<void(std::int64_t)> store);

// The same into a variable: an integer type, or a std::optional of one (double for decimal).
// (milliseconds into a std::chrono::duration are counted in milliseconds)
template <typename T>
void storeNumber(T& target, auto value) {
  if constexpr (std::is_arithmetic_v<T>) {
    target = static_cast<T>(value);
  } else if constexpr (requires { typename T::period; }) {
    target = std::chrono::duration_cast<T>(std::chrono::milliseconds(value));
  } else {
    target = static_cast<typename T::value_type>(value);
  }
}
template <typename T>
OptionReader integer(std::int64_t min, std::int64_t max, T& target) {
  return integer(min, max, std::function<void(std::int64_t)>([&target](std::int64_t n) { storeNumber(target, n); }));
}
template <typename T>
OptionReader decimal(double min, double max, T& target) {
  return decimal(min, max, std::function<void(double)>([&target](double n) { storeNumber(target, n); }));
}
template <typename T>
OptionReader seconds(std::int64_t minMs, std::int64_t maxMs, T& targetMs) {
  return seconds(minMs, maxMs,
                 std::function<void(std::int64_t)>([&targetMs](std::int64_t ms) { storeNumber(targetMs, ms); }));
}
}  // namespace opt

class CommandLine {
 public:
  using Set = std::function<Status(const std::string& value)>;

  // An option read by one of the readers above.
  CommandLine& declare(const std::string& name, OptionReader read);
  // Every row of a table (its headings skipped); the rows are kept for help().
  CommandLine& table(std::vector<OptionRow> rows);
  // The short forms of declare, for a few options.
  // An option with a value, checked and stored by set.
  CommandLine& option(const std::string& name, Set set);
  // A switch.
  CommandLine& flag(const std::string& name, std::function<void()> set);
  CommandLine& flag(const std::string& name, bool& target);
  // Non-empty text; the last given wins.
  CommandLine& text(const std::string& name, std::string& target);
  // Non-empty text, repeatable: every value is kept.
  CommandLine& texts(const std::string& name, std::vector<std::string>& target);
  // A whole number from min to max.
  CommandLine& integer(const std::string& name, std::int64_t min, std::int64_t max, std::int64_t& target);
  // One of the given words.
  CommandLine& choice(const std::string& name, std::vector<std::string> words, std::string& target);
  // Another spelling of an option or switch already declared (e.g. "-f" for "--follow").
  CommandLine& alias(const std::string& alias, const std::string& name);
  // Positional arguments, in order; without this, a positional argument is an error.
  CommandLine& positional(Set set);
  // Every positional argument kept, in order (subcommand words, ids, files).
  CommandLine& positionals(std::vector<std::string>& target);

  // Parses the arguments (without the program name). help is set when -h or --help is given; the
  // other arguments are still checked.
  Status parse(const std::vector<std::string>& args, bool& help) const;

  // The table's rows as --help lines: "  --name VALUE" (after its aliases: "  -o, --output FILE"), its help from column
  // (on the next line when the name does not leave two spaces before it), continued lines at column; "-h, --help" last.
  std::string help(std::size_t column) const;

 private:
  const OptionReader* find(const std::string& name) const;

  std::map<std::string, OptionReader> options_;
  std::map<std::string, std::string> aliases_;
  std::vector<OptionRow> rows_;
  Set positional_;
};

// A whole number from min to max written in decimal digits (a leading '-' where min < 0).
Result<std::int64_t> parseInteger(const std::string& text, std::int64_t min, std::int64_t max);
// A decimal number from min to max: digits with an optional fraction ("10", "0.25"), no sign, no exponent.
Result<double> parseDecimal(const std::string& text, double min, double max);
// Seconds with at most three decimals ("10", "0.5") as milliseconds, from minMs to maxMs.
Result<std::int64_t> parseSeconds(const std::string& text, std::int64_t minMs, std::int64_t maxMs);

// A usage error said the one way, on stderr:
//   <program>: <message>          (a command's words each followed by ": ", "mamori-agent: request: ...")
//   Try '<program> --help'.
// command is what the user typed before the options ("mamori-agent request"). Returns kExitUsage.
int usageError(const std::string& command, const std::string& message);
// "<program>: " or "<program>: <command>: ": the start of any message of that command.
std::string messagePrefix(const std::string& command);
// One message of command on stderr, "<program>: [<command>: ]<message>" and a line break. The message
// may carry outside text (a file or archive member name, a device string, an answer from a server, an
// option value a shell glob made from a file name), so it passes through visibleText: it stays one
// line and no control character reaches the terminal (a message of several lines is several calls).
// usageError writes its first line with it.
void printError(const std::string& command, std::string_view message);
// The same line, as printError writes it (without the line break).
std::string errorLine(const std::string& command, std::string_view message);
// What a command's main() does with its command line: parses args with line; nullopt to go on, else
// the exit status to end with: 0 after writing usage to stdout for --help, kExitUsage after
// usageError(command, ...).
std::optional<int> parseOrExit(const CommandLine& line, const std::vector<std::string>& args,
                               const std::string& command, const std::string& usage);

}  // namespace mamori::common
