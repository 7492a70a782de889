// The command-line grammar every mamori program shares, over strings.
#include <doctest/doctest.h>

#include "common/CommandLine.h"

using mamori::common::CommandLine;

namespace {

struct Parsed {
  std::string state;
  std::vector<std::string> homes;
  std::int64_t threads = 4;
  std::string mode = "auto";
  bool follow = false;
  std::vector<std::string> files;
  bool help = false;
};

mamori::common::Status parse(const std::vector<std::string>& args, Parsed& p, bool positional = true) {
  CommandLine line;
  line.text("--state-dir", p.state)
      .texts("--home", p.homes)
      .integer("--threads", 1, 32, p.threads)
      .choice("--mode", {"auto", "off", "audit"}, p.mode)
      .flag("--follow", p.follow)
      .alias("-f", "--follow");
  if (positional) line.positionals(p.files);
  return line.parse(args, p.help);
}

}  // namespace

TEST_CASE("values come after the option or after '='; switches and aliases; positionals in order") {
  Parsed p;
  REQUIRE(parse({"--state-dir", "/var/a", "a.txt", "--threads=8", "-f", "--home", "/h1", "--home=/h2", "b.txt"}, p));
  CHECK(p.state == "/var/a");
  CHECK(p.threads == 8);
  CHECK(p.follow);
  CHECK(p.homes == std::vector<std::string>{"/h1", "/h2"});
  CHECK(p.files == std::vector<std::string>{"a.txt", "b.txt"});
  CHECK_FALSE(p.help);
}

TEST_CASE("a value may contain '=' and may start with '-'; the last of a plain option wins") {
  Parsed p;
  REQUIRE(parse({"--state-dir=/x=y", "--state-dir", "-odd"}, p));
  CHECK(p.state == "-odd");
}

TEST_CASE("'--' ends the options; '-' alone is a positional (standard input)") {
  Parsed p;
  REQUIRE(parse({"--", "--threads", "-"}, p));
  CHECK(p.files == std::vector<std::string>{"--threads", "-"});
  CHECK(p.threads == 4);
}

TEST_CASE("help is noticed anywhere, and the rest is still checked") {
  Parsed p;
  REQUIRE(parse({"a", "--help"}, p));
  CHECK(p.help);
  Parsed q;
  auto bad = parse({"-h", "--nope"}, q);
  CHECK(q.help);
  CHECK_FALSE(bad);
}

TEST_CASE("mistakes are refused with what and which option") {
  struct Case {
    std::vector<std::string> args;
    std::string where;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--nope"}, "--nope", "unknown option (see --help)"},
      {{"--nope=1"}, "--nope", "unknown option (see --help)"},
      {{"--state-dir"}, "--state-dir", "expects a value"},
      {{"--state-dir="}, "--state-dir", "expects a value"},
      {{"--follow=yes"}, "--follow", "takes no value"},
      {{"--threads", "0"}, "--threads", "expects a whole number from 1 to 32, got \"0\""},
      {{"--threads", "8x"}, "--threads", "expects a whole number from 1 to 32, got \"8x\""},
      {{"--threads", "+8"}, "--threads", "expects a whole number from 1 to 32, got \"+8\""},
      {{"--threads", ""}, "--threads", "expects a whole number from 1 to 32, got \"\""},
      {{"--threads", "99999999999999999999"},
       "--threads",
       "expects a whole number from 1 to 32, got \"99999999999999999999\""},
      {{"--mode", "on"}, "--mode", "expects auto, off or audit, got \"on\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args.front());
    Parsed p;
    auto parsed = parse(c.args, p);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().where == c.where);
    CHECK(parsed.error().message == c.message);
  }
  // What a value's own checker names stays in the message.
  CommandLine line;
  bool help = false;
  line.option("--rule", [](const std::string& value) -> mamori::common::Status {
    return mamori::common::makeError("not a known event type", value);
  });
  auto named = line.parse({"--rule=File.Bulk=3"}, help);
  REQUIRE_FALSE(named);
  CHECK(named.error().where == "--rule");
  CHECK(named.error().message == "File.Bulk=3: not a known event type");

  Parsed p;
  auto stray = parse({"file"}, p, false);
  REQUIRE_FALSE(stray);
  CHECK(stray.error().where == "file");
  CHECK(stray.error().message == "unexpected argument (see --help)");
}
