#include "common/CommandLine.h"

#include <charconv>
#include <optional>

namespace mamori::common {

CommandLine& CommandLine::option(const std::string& name, Set set) {
  options_[name] = Declared{true, std::move(set), {}};
  return *this;
}

CommandLine& CommandLine::flag(const std::string& name, std::function<void()> set) {
  options_[name] = Declared{false, {}, std::move(set)};
  return *this;
}

CommandLine& CommandLine::flag(const std::string& name, bool& target) {
  return flag(name, [&target] { target = true; });
}

CommandLine& CommandLine::text(const std::string& name, std::string& target) {
  return option(name, [&target](const std::string& value) -> Status {
    if (value.empty()) return makeError("expects a value");
    target = value;
    return Ok{};
  });
}

CommandLine& CommandLine::texts(const std::string& name, std::vector<std::string>& target) {
  return option(name, [&target](const std::string& value) -> Status {
    if (value.empty()) return makeError("expects a value");
    target.push_back(value);
    return Ok{};
  });
}

CommandLine& CommandLine::integer(const std::string& name, std::int64_t min, std::int64_t max, std::int64_t& target) {
  return option(name, [min, max, &target](const std::string& value) -> Status {
    auto number = parseInteger(value, min, max);
    if (!number) return number.error();
    target = number.value();
    return Ok{};
  });
}

CommandLine& CommandLine::choice(const std::string& name, std::vector<std::string> words, std::string& target) {
  return option(name, [words = std::move(words), &target](const std::string& value) -> Status {
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

const CommandLine::Declared* CommandLine::find(const std::string& name) const {
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
    const Declared* declared = find(name);
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

}  // namespace mamori::common
