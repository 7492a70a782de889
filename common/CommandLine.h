#pragma once
// The one command-line grammar of every mamori program and of mamorictl's subcommands:
//   --name VALUE and --name=VALUE for an option that takes a value; --name for a switch
//   (--name=VALUE on a switch is an error); -h and --help anywhere; "--" ends the options (what
//   follows is positional even if it starts with "-"); an unknown option or a positional the
//   command does not take is an error that names it. A repeated option gives each of its values to
//   its setter in order (a plain text option keeps the last; a list option keeps them all).
// Each option's setter checks its value; an error names the option (Error::where).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::common {

class CommandLine {
 public:
  using Set = std::function<Status(const std::string& value)>;

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

 private:
  struct Declared {
    bool takesValue = false;
    Set set;
    std::function<void()> toggle;
  };
  const Declared* find(const std::string& name) const;

  std::map<std::string, Declared> options_;
  std::map<std::string, std::string> aliases_;
  Set positional_;
};

// A whole number from min to max written in decimal digits (a leading '-' where min < 0).
Result<std::int64_t> parseInteger(const std::string& text, std::int64_t min, std::int64_t max);

}  // namespace mamori::common
