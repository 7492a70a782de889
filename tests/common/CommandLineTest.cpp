// The command-line grammar every mamori program shares, over strings.
#include <doctest/doctest.h>

#include <chrono>
#include <optional>

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

TEST_CASE("an option table: name, value, reader and help; parsed and shown from the same rows") {
  namespace opt = mamori::common::opt;
  std::string url;
  int agents = 100;
  double jitter = 0.1;
  std::optional<std::int64_t> timeoutMs;
  std::chrono::milliseconds idle{15'000};
  bool keep = false;
  CommandLine line;
  line.table({{"--url", "URL", opt::text(url), "the collector"},
              {"--agents", "N", opt::integer(0, 20'000, agents), "simulated agents\n(default 100)"},
              {"", "", {}, "Timing:"},
              {"--heartbeat-jitter", "F", opt::decimal(0, 1, jitter), "a fraction"},
              {"--timeout", "SEC", opt::seconds(0, 3'600'000, timeoutMs), "seconds"},
              {"--idle-timeout", "SEC", opt::seconds(50, 3'600'000, idle), "seconds"},
              {"--keep", "", opt::flag(keep), "a switch"}});
  bool help = false;
  REQUIRE(line.parse({"--url=https://x", "--agents", "7", "--heartbeat-jitter", "0.25", "--timeout", "2.5",
                      "--idle-timeout=0.05", "--keep"},
                     help));
  CHECK(url == "https://x");
  CHECK(agents == 7);
  CHECK(jitter == 0.25);
  CHECK(timeoutMs == 2500);
  CHECK(idle == std::chrono::milliseconds(50));
  CHECK(keep);
  CHECK(line.help(24) ==
        "  --url URL             the collector\n"
        "  --agents N            simulated agents\n"
        "                        (default 100)\n"
        "\n"
        "Timing:\n"
        "  --heartbeat-jitter F  a fraction\n"
        "  --timeout SEC         seconds\n"
        "  --idle-timeout SEC    seconds\n"
        "  --keep                a switch\n"
        "  -h, --help            show this help\n");
  // A name that leaves less than two spaces before the column puts its help on the next line.
  CHECK(line.help(12).find("  --heartbeat-jitter F\n            a fraction\n") != std::string::npos);
  // An alias is shown before the name it stands for, and parsed as it.
  line.alias("-k", "--keep");
  CHECK(line.help(24).find("  -k, --keep            a switch\n") != std::string::npos);
  keep = false;
  REQUIRE(line.parse({"-k"}, help));
  CHECK(keep);
}

TEST_CASE("numbers on a command line: refused with the option and the value, never read as 0") {
  namespace opt = mamori::common::opt;
  double jitter = 0.1;
  std::int64_t timeoutMs = 30'000;
  CommandLine line;
  line.declare("--jitter", opt::decimal(0, 1, jitter)).declare("--timeout", opt::seconds(0, 86'400'000, timeoutMs));
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--timeout", "abc"}, "expects seconds from 0 to 86400 such as 10 or 0.5, got \"abc\""},
      {{"--timeout", "1.2345"}, "expects seconds from 0 to 86400 such as 10 or 0.5, got \"1.2345\""},
      {{"--timeout", "-1"}, "expects seconds from 0 to 86400 such as 10 or 0.5, got \"-1\""},
      {{"--timeout", "1e3"}, "expects seconds from 0 to 86400 such as 10 or 0.5, got \"1e3\""},
      {{"--timeout", "86400.001"}, "expects seconds from 0 to 86400 such as 10 or 0.5, got \"86400.001\""},
      {{"--timeout", ".5"}, "expects seconds from 0 to 86400 such as 10 or 0.5, got \".5\""},
      {{"--jitter", "1.5"}, "expects a number from 0 to 1 such as 10 or 0.5, got \"1.5\""},
      {{"--jitter", "nan"}, "expects a number from 0 to 1 such as 10 or 0.5, got \"nan\""},
      {{"--jitter", ""}, "expects a number from 0 to 1 such as 10 or 0.5, got \"\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args.back());
    bool help = false;
    auto parsed = line.parse(c.args, help);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().where == c.args.front());
    CHECK(parsed.error().message == c.message);
  }
  CHECK(timeoutMs == 30'000);
  CHECK(jitter == 0.1);
  CHECK(mamori::common::parseSeconds("0.5", 0, 1000).value() == 500);
  CHECK(mamori::common::parseSeconds("86400", 0, 86'400'000).value() == 86'400'000);
  CHECK(mamori::common::parseSeconds("007.010", 0, 86'400'000).value() == 7010);
  CHECK(mamori::common::parseDecimal("3", 0, 10).value() == 3.0);
}

TEST_CASE("a message starts with the program and its command, each followed by ': '") {
  CHECK(mamori::common::messagePrefix("mamori-scan") == "mamori-scan: ");
  CHECK(mamori::common::messagePrefix("mamori-agent request") == "mamori-agent: request: ");
  CHECK(mamori::common::kExitUsage == 2);
}

TEST_CASE("an error message stays one line with no terminal control, whatever names it carries") {
  using mamori::common::errorLine;
  // A file name made of a line break that forges a second message, an 8-bit CSI, an escape sequence
  // that clears the screen, a direction override, a byte that is not UTF-8; a shell glob can hand any of
  // them to a program as an option ("--x..."), and every error message names the file it failed on.
  const std::string hostile =
      "a\nmamori-scan: all clear\x1b[2J\xc2\x9b"
      "31m\xe2\x80\xae"
      "fdp.exe\xff";
  const std::string line = errorLine("mamori-scan", "--" + hostile + ": unknown option");
  CHECK(line ==
        "mamori-scan: --a<U+000A>mamori-scan: all clear<U+001B>[2J<U+009B>31m<U+202E>fdp.exe<0xFF>: unknown option");
  CHECK(errorLine("mamori-agent request", "社外秘.docx: 'quoted' 100%") ==
        "mamori-agent: request: 社外秘.docx: 'quoted' 100%");
}
