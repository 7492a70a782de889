#include "common/CommandLine.h"

#include <charconv>
#include <cstdio>
#include <optional>

#include "common/Utf8.h"

namespace mamori::common {

namespace {

// A number as messages show it: 0.05, 3600.
std::string shown(double value) {
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return ec == std::errc() ? std::string(text, end) : std::to_string(value);
}

// Digits, then optionally '.' and at most maxDecimals digits: the only numbers with a fraction a
// command line takes.
bool plainDecimal(const std::string& text, std::size_t maxDecimals) {
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  auto digits = [](const std::string& part) {
    return !part.empty() && part.size() <= 15 && part.find_first_not_of("0123456789") == std::string::npos;
  };
  return digits(whole) && (dot == std::string::npos || (digits(fraction) && fraction.size() <= maxDecimals));
}

}  // namespace

namespace opt {

namespace {

OptionReader withValue(std::function<Status(const std::string& value)> set) {
  return OptionReader{true, std::move(set), {}};
}

// A number read by parse (parseInteger ...) and handed to store.
template <typename Parse, typename Number>
OptionReader parsedInto(Parse parse, std::function<void(Number)> store) {
  return withValue([parse = std::move(parse), store = std::move(store)](const std::string& value) -> Status {
    auto number = parse(value);
    if (!number) return number.error();
    store(number.value());
    return Ok{};
  });
}

}  // namespace

OptionReader flag(bool& target) {
  return flag([&target] { target = true; });
}

OptionReader flag(std::function<void()> set) { return OptionReader{false, {}, std::move(set)}; }

OptionReader text(std::string& target) {
  return withValue([&target](const std::string& value) -> Status {
    if (value.empty()) return makeError("expects a value");
    target = value;
    return Ok{};
  });
}

OptionReader texts(std::vector<std::string>& target) {
  return withValue([&target](const std::string& value) -> Status {
    if (value.empty()) return makeError("expects a value");
    target.push_back(value);
    return Ok{};
  });
}

OptionReader choice(std::vector<std::string> words, std::string& target) {
  return withValue([words = std::move(words), &target](const std::string& value) -> Status {
    for (const auto& word : words) {
      if (value == word) {
        target = value;
        return Ok{};
      }
    }
    std::string listed;
    for (std::size_t i = 0; i < words.size(); ++i) {
      listed += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
    }
    return makeError("expects " + listed + ", got \"" + value + "\"");
  });
}

OptionReader checked(std::function<Status(const std::string& value)> set) { return withValue(std::move(set)); }

OptionReader integer(std::int64_t min, std::int64_t max, std::function<void(std::int64_t)> store) {
  return parsedInto([min, max](const std::string& value) { return parseInteger(value, min, max); }, std::move(store));
}

OptionReader decimal(double min, double max, std::function<void(double)> store) {
  return parsedInto([min, max](const std::string& value) { return parseDecimal(value, min, max); }, std::move(store));
}

OptionReader seconds(std::int64_t minMs, std::int64_t maxMs, std::function<void(std::int64_t)> store) {
  return parsedInto([minMs, maxMs](const std::string& value) { return parseSeconds(value, minMs, maxMs); },
                    std::move(store));
}

}  // namespace opt

CommandLine& CommandLine::declare(const std::string& name, OptionReader read) {
  options_[name] = std::move(read);
  return *this;
}

CommandLine& CommandLine::table(std::vector<OptionRow> rows) {
  for (auto& row : rows) {
    if (!row.name.empty()) declare(row.name, row.read);
    rows_.push_back(std::move(row));
  }
  return *this;
}

CommandLine& CommandLine::option(const std::string& name, Set set) {
  return declare(name, opt::checked(std::move(set)));
}

CommandLine& CommandLine::flag(const std::string& name, std::function<void()> set) {
  return declare(name, opt::flag(std::move(set)));
}

CommandLine& CommandLine::flag(const std::string& name, bool& target) { return declare(name, opt::flag(target)); }

CommandLine& CommandLine::text(const std::string& name, std::string& target) {
  return declare(name, opt::text(target));
}

CommandLine& CommandLine::texts(const std::string& name, std::vector<std::string>& target) {
  return declare(name, opt::texts(target));
}

CommandLine& CommandLine::integer(const std::string& name, std::int64_t min, std::int64_t max, std::int64_t& target) {
  return declare(name, opt::integer(min, max, target));
}

CommandLine& CommandLine::choice(const std::string& name, std::vector<std::string> words, std::string& target) {
  return declare(name, opt::choice(std::move(words), target));
}

CommandLine& CommandLine::alias(const std::string& alias, const std::string& name) {
  aliases_[alias] = name;
  return *this;
}

CommandLine& CommandLine::positional(Set set) {
  positional_ = std::move(set);
  return *this;
}

CommandLine& CommandLine::positionals(std::vector<std::string>& target) {
  return positional([&target](const std::string& value) -> Status {
    target.push_back(value);
    return Ok{};
  });
}

const OptionReader* CommandLine::find(const std::string& name) const {
  const auto aliased = aliases_.find(name);
  const auto found = options_.find(aliased == aliases_.end() ? name : aliased->second);
  return found == options_.end() ? nullptr : &found->second;
}

Status CommandLine::parse(const std::vector<std::string>& args, bool& help) const {
  bool optionsEnded = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    const bool looksLikeOption = !optionsEnded && name.size() > 1 && name[0] == '-';
    if (!looksLikeOption) {
      if (!positional_) return makeError("unexpected argument (see --help)", name);
      if (auto taken = positional_(name); !taken) return makeError(taken.error().message, name);
      continue;
    }
    if (name == "--") {
      optionsEnded = true;
      continue;
    }
    if (name == "--help" || name == "-h") {
      help = true;
      continue;
    }
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos && name.starts_with("--")) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const OptionReader* declared = find(name);
    if (declared == nullptr) return makeError("unknown option (see --help)", name);
    if (!declared->takesValue) {
      if (value) return makeError("takes no value", name);
      declared->toggle();
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) return makeError("expects a value", name);
      value = args[++i];
    }
    if (auto set = declared->set(*value); !set) {
      // The option is where; what the value's checker named (a rule in a list, a range) stays in front
      // of its message.
      Error error = set.error();
      std::string named = error.where;
      if (named.starts_with(name)) named.erase(0, name.size());  // a checker that named the option too
      while (!named.empty() && named.front() == ' ') named.erase(0, 1);
      if (!named.empty()) error.message = named + ": " + error.message;
      error.where = name;
      return error;
    }
  }
  return Ok{};
}

std::string CommandLine::help(std::size_t column) const {
  std::string text;
  auto entry = [&text, column](const std::string& left, const std::string& help) {
    text += left;
    if (left.size() + 2 <= column) {
      text += std::string(column - left.size(), ' ');
    } else {
      text += '\n' + std::string(column, ' ');
    }
    for (const char c : help) {
      text += c;
      if (c == '\n') text += std::string(column, ' ');
    }
    text += '\n';
  };
  for (const auto& row : rows_) {
    if (row.name.empty()) {
      text += '\n' + row.help + '\n';
      continue;
    }
    std::string names;  // its short spellings first: "-o, --output FILE"
    for (const auto& [alias, name] : aliases_) {
      if (name == row.name) names += alias + ", ";
    }
    entry("  " + names + row.name + (row.value.empty() ? "" : " " + row.value), row.help);
  }
  entry("  -h, --help", "show this help");
  return text;
}

Result<std::int64_t> parseInteger(const std::string& text, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || text[0] == '+' || ec != std::errc() || stop != end || value < min || value > max) {
    return makeError("expects a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", got \"" +
                     text + "\"");
  }
  return value;
}

Result<double> parseDecimal(const std::string& text, double min, double max) {
  double value = 0;
  if (plainDecimal(text, 15)) std::from_chars(text.data(), text.data() + text.size(), value);
  if (!plainDecimal(text, 15) || value < min || value > max) {
    return makeError("expects a number from " + shown(min) + " to " + shown(max) + " such as 10 or 0.5, got \"" + text +
                     "\"");
  }
  return value;
}

Result<std::int64_t> parseSeconds(const std::string& text, std::int64_t minMs, std::int64_t maxMs) {
  std::int64_t ms = -1;
  if (plainDecimal(text, 3)) {
    const auto dot = text.find('.');
    std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
    fraction.resize(3, '0');
    const std::string whole = text.substr(0, dot);
    auto wholeSeconds = parseInteger(whole, 0, 1'000'000'000'000);
    auto millis = parseInteger(fraction, 0, 999);
    if (wholeSeconds && millis) ms = wholeSeconds.value() * 1000 + millis.value();
  }
  if (ms < minMs || ms > maxMs) {
    return makeError("expects seconds from " + shown(static_cast<double>(minMs) / 1000) + " to " +
                     shown(static_cast<double>(maxMs) / 1000) + " such as 10 or 0.5, got \"" + text + "\"");
  }
  return ms;
}

std::string messagePrefix(const std::string& command) {
  std::string prefix;
  for (const char c : command) prefix += c == ' ' ? std::string(": ") : std::string(1, c);
  return prefix + ": ";
}

std::optional<int> parseOrExit(const CommandLine& line, const std::vector<std::string>& args,
                               const std::string& command, const std::string& usage) {
  bool help = false;
  if (auto parsed = line.parse(args, help); !parsed) return usageError(command, parsed.error().describe());
  if (!help) return std::nullopt;
  std::fputs(usage.c_str(), stdout);
  return 0;
}

std::string errorLine(const std::string& command, std::string_view message) {
  return messagePrefix(command) + visibleText(message);
}

void printError(const std::string& command, std::string_view message) {
  std::fprintf(stderr, "%s\n", errorLine(command, message).c_str());
}

int usageError(const std::string& command, const std::string& message) {
  printError(command, message);
  std::fprintf(stderr, "Try '%s --help'.\n", command.c_str());
  return kExitUsage;
}

}  // namespace mamori::common
