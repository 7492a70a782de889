// mamori-bench-overview: the console overview's queries (GET /api/v1/overview) over a database of
// many events. It stores N generated events (spread over the last --days days, --hosts hosts, a mix
// of types and severities) through the collector's EventStore, so the rollup triggers run as in
// production; then times each overview query (median and worst of --runs) beside the reference: the
// same answer computed from the events table itself with its time index. Last, it prints the cost
// of the rollup on ingest: events/s of a further --compare events with the triggers, then without.
//
//   mamori-bench-overview --db sqlite:/tmp/overview.db --events 10000000
//   mamori-bench-overview --db postgresql://postgres@127.0.0.1:55432/bench --events 10000000

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "collector/store/DbUrl.h"
#include "collector/store/EventStore.h"
#include "common/Clock.h"
#include "common/CommandLine.h"
#include "common/Uuid7.h"

namespace {

using namespace Poco::Data::Keywords;
using mamori::collector::store::CountsQuery;
using mamori::collector::store::EventStore;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::size_t kBatch = 5000;

struct Options {
  std::string url;
  std::size_t events = 10'000'000;
  std::size_t hosts = 5000;
  std::size_t days = 30;
  std::size_t runs = 5;
  std::size_t compare = 200'000;
  std::size_t referenceRuns = 1;
  bool reuse = false;
};

std::vector<mamori::common::OptionRow> optionTable(Options& o) {
  namespace opt = mamori::common::opt;
  constexpr std::int64_t kMany = 1'000'000'000;
  return {
      {"--db", "URL", opt::text(o.url), "sqlite:PATH or postgresql://... (an empty database: the counts are checked)"},
      {"--events", "N", opt::integer(1, kMany, o.events), "events to store first (default 10000000)"},
      {"--hosts", "H", opt::integer(1, kMany, o.hosts),
       "hosts (and as many users) the events come from (default 5000)"},
      {"--days", "D", opt::integer(1, 36'500, o.days), "the events' times spread over the last D days (default 30)"},
      {"--runs", "R", opt::integer(1, 1000, o.runs), "times each query runs; median and worst are printed (default 5)"},
      {"--compare", "C", opt::integer(0, kMany, o.compare),
       "events stored with and then without the rollup triggers (default 200000; 0 = skip)"},
      {"--reuse", "", opt::flag(o.reuse),
       "store nothing first: time the queries over the events the database already holds"},
      {"--reference-runs", "R", opt::integer(1, 1000, o.referenceRuns),
       "times each reference query runs (default 1: on ten million events each takes\nseconds to minutes)"},
  };
}

std::string usage(const mamori::common::CommandLine& line) {
  return "Usage: mamori-bench-overview --db URL [--events N] [--hosts H] [--days D] [--runs R] [--compare C]\n"
         "\n"
         "Options:\n" +
         line.help(22) +
         "\n"
         "Exit status:\n"
         "  0  done\n"
         "  1  storage error or a count that disagrees with the events table\n"
         "  2  usage error\n";
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

class Generator {
 public:
  Generator(std::size_t hosts, std::int64_t fromMs, std::int64_t toMs) : hosts_(hosts), from_(fromMs), to_(toMs) {}

  std::vector<mamori::common::Event> batch(std::size_t count) {
    static const std::vector<std::string> kTypes = {"agent.synthetic",  "agent.started",  "device.blocked",
                                                    "device.allowed",   "p2p.killed",     "file.copied",
                                                    "content.match",    "activity.print", "activity.upload",
                                                    "activity.archive", "policy.applied", "tamper.detected"};
    std::vector<mamori::common::Event> out(count);
    for (auto& e : out) {
      e.timeMs = std::uniform_int_distribution<std::int64_t>(from_, to_ - 1)(random_);
      e.id = ids_.next(e.timeMs);
      const int roll = std::uniform_int_distribution<int>(0, 99)(random_);
      // 70% info, 10% low, 12% medium, 6% high, 2% critical.
      e.severity = static_cast<mamori::common::Severity>(roll < 70   ? 0
                                                         : roll < 80 ? 1
                                                         : roll < 92 ? 2
                                                         : roll < 98 ? 3
                                                                     : 4);
      e.type = kTypes[std::uniform_int_distribution<std::size_t>(0, kTypes.size() - 1)(random_)];
      const std::size_t host = std::uniform_int_distribution<std::size_t>(0, hosts_ - 1)(random_);
      char name[32];
      std::snprintf(name, sizeof name, "pc-%05zu", host);
      e.host = name;
      std::snprintf(name, sizeof name, "user%05zu", host);
      e.user = name;
      e.agentId = "bench-agent";
      e.details->set("file.path", "/home/" + e.user + "/Documents/report.docx");
    }
    return out;
  }

 private:
  std::size_t hosts_;
  std::int64_t from_, to_;
  std::mt19937_64 random_{20261206};
  mamori::common::Uuid7Generator ids_;
};

// Stores count events; returns events per second, or a negative value on a storage error.
double load(EventStore& store, Generator& generator, std::size_t count, bool progress) {
  mamori::common::SystemClock clock;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(kBatch, count - done);
    auto stored = store.insertEvents("bench-agent", generator.batch(n), clock.nowMs());
    if (!stored) {
      std::fprintf(stderr, "storing events: %s\n", stored.error().describe().c_str());
      return -1;
    }
    done += n;
    if (progress && done % 1'000'000 == 0) {
      std::fprintf(stderr, "  %zu events stored (%.0f s)\n", done, seconds(start));
    }
  }
  return static_cast<double>(count) / seconds(start);
}

struct Timing {
  double median = 0, worst = 0;
};

Timing timed(std::size_t runs, const std::function<bool()>& body) {
  std::vector<double> ms;
  for (std::size_t i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (!body()) return {-1, -1};
    ms.push_back(seconds(start) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back()};
}

void print(const char* what, const Timing& rollup, const Timing& reference) {
  std::printf("%-34s rollup median %9.1f ms  worst %9.1f ms   | events table median %9.1f ms  worst %9.1f ms\n", what,
              rollup.median, rollup.worst, reference.median, reference.worst);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  mamori::common::CommandLine line;
  line.table(optionTable(options));
  if (auto done = mamori::common::parseOrExit(line, {argv + 1, argv + argc}, "mamori-bench-overview", usage(line))) {
    return *done;
  }
  if (options.url.empty()) return mamori::common::usageError("mamori-bench-overview", "--db: is required");
  const std::string& url = options.url;
  const std::size_t events = options.events, hosts = options.hosts, days = options.days, runs = options.runs,
                    compare = options.compare, referenceRuns = options.referenceRuns;
  const bool reuse = options.reuse;
  auto opened = mamori::collector::store::openEventStore(url);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().describe().c_str());
    return 1;
  }
  EventStore& store = *opened.value();
  const auto target = mamori::collector::store::parseDbUrl(url).value();
  const bool pg = target.backend == mamori::collector::store::Backend::PostgreSQL;
  if (pg) {
    Poco::Data::PostgreSQL::Connector::registerConnector();
  } else {
    Poco::Data::SQLite::Connector::registerConnector();
  }
  Poco::Data::Session session(pg ? "PostgreSQL" : "SQLite", target.connectionString);

  const std::int64_t nowMs = mamori::common::SystemClock().nowMs();
  const std::int64_t until = (nowMs / kHour + 1) * kHour;
  Generator generator(hosts, until - static_cast<std::int64_t>(days) * kDay, nowMs);
  std::printf("backend %s, %zu events over %zu days from %zu hosts\n", store.backendName().c_str(), events, days,
              hosts);
  if (reuse) {
    Poco::Int64 held = 0;
    session << "SELECT count(*) FROM events", into(held), now;
    std::printf("reusing the %lld events the database holds\n", static_cast<long long>(held));
  } else {
    const double loadRate = load(store, generator, events, true);
    if (loadRate < 0) return 1;
    std::printf("stored with the rollup: %.0f events/s\n", loadRate);
  }
  if (pg) session << "ANALYZE", now;

  const CountsQuery day{until - kDay, until, kHour, 0};
  const CountsQuery month{until - static_cast<std::int64_t>(days) * kDay, until, kDay, 9 * kHour};
  const std::string exclude = " AND type NOT LIKE 'admin.%'";
  auto reference = [&](const std::string& sql) {
    return [&session, sql] {
      std::vector<Poco::Int64> rows;
      session << sql, into(rows), now;
      return true;
    };
  };
  auto range = [](const CountsQuery& q) {
    return " WHERE time_ms >= " + std::to_string(q.sinceMs) + " AND time_ms < " + std::to_string(q.untilMs);
  };
  auto bucketed = [&](const CountsQuery& q) {
    const std::string size = std::to_string(q.bucketMs), offset = std::to_string(q.offsetMs);
    return "SELECT CAST(count(*) AS BIGINT) FROM events" + range(q) + exclude + " GROUP BY ((time_ms + " + offset +
           ") / " + size + "), type, severity";
  };
  bool failed = false;
  auto check = [&failed](bool ok) {
    failed = failed || !ok;
    return ok;
  };

  print("per hour by type/severity, 24 h", timed(runs, [&] { return check(store.eventCounts(day).ok()); }),
        timed(referenceRuns, reference(bucketed(day))));
  print("per day by type/severity, all days", timed(runs, [&] { return check(store.eventCounts(month).ok()); }),
        timed(referenceRuns, reference(bucketed(month))));
  print("top 10 hosts, all days", timed(runs, [&] { return check(store.topHosts(month, 10).ok()); }),
        timed(referenceRuns, reference("SELECT CAST(count(*) AS BIGINT) FROM events" + range(month) +
                                       " AND severity >= 3 GROUP BY host ORDER BY count(*) DESC LIMIT 10")));
  print("top 10 users, all days", timed(runs, [&] { return check(store.topUsers(month, 10).ok()); }),
        timed(referenceRuns, reference("SELECT CAST(count(*) AS BIGINT) FROM events" + range(month) +
                                       " AND severity >= 3 GROUP BY user_name ORDER BY count(*) DESC LIMIT 10")));
  print("fleet health", timed(runs, [&] { return check(store.fleetHealth(nowMs, 60'000, 3).ok()); }),
        timed(referenceRuns, reference("SELECT CAST(count(*) AS BIGINT) FROM agents")));
  if (failed) {
    std::fprintf(stderr, "an overview query failed\n");
    return 1;
  }

  // The rollup must agree with the events table.
  auto counts = store.eventCounts(month);
  Poco::Int64 total = 0, rolled = 0;
  for (const auto& bucket : counts.value()) rolled += bucket.count;
  session << "SELECT count(*) FROM events" + range(month) + exclude, into(total), now;
  std::printf("events in range: %lld counted by the rollup, %lld in the events table\n", static_cast<long long>(rolled),
              static_cast<long long>(total));
  if (rolled != total) return 1;

  if (compare > 0) {
    const double with = load(store, generator, compare, false);
    // Without: PostgreSQL's insert trigger dropped; SQLite's per-batch statement switched off.
    mamori::collector::store::StoreOptions plain;
    plain.keepOverviewCounts = false;
    auto plainStore = mamori::collector::store::openEventStore(url, plain);
    if (!plainStore) return 1;
    if (pg) session << "DROP TRIGGER events_count_insert ON events", now;
    const double without = load(*plainStore.value(), generator, compare, false);
    if (with < 0 || without < 0) return 1;
    std::printf("ingest of %zu more events: %.0f events/s with the rollup, %.0f events/s without (%.0f%%)\n", compare,
                with, without, 100.0 * with / without);
  }
  return 0;
}
