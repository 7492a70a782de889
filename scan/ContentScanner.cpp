#include "scan/ContentScanner.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <sys/stat.h>
#include <thread>

#include "common/Crypto.h"
#include "common/Files.h"
#include "common/Log.h"
#include "common/ThreadName.h"
#include "common/UniqueFd.h"
#include "scan/ContentInspector.h"
#include "scan/DirectoryWalker.h"
#include "scan/ErrnoText.h"
#include "scan/FileType.h"
#include "scan/PathQueue.h"
#include "scan/ThreadPriority.h"

namespace mamori::scan {

namespace {

constexpr std::size_t kBatchSize = 64;      // files
constexpr std::size_t kQueueCapacity = 64;  // batches
using PathBatch = PathQueue::Batch;

FileIdentity identityOf(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), st.st_size,
          st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
          st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
}

// Reads a whole file of at most limit bytes; nullopt with errno-based reason otherwise.
common::Result<std::string> readWhole(int fd, std::int64_t expected, std::int64_t limit) {
  auto data = common::readAll(fd, static_cast<std::size_t>(limit), static_cast<std::size_t>(std::min(expected, limit)));
  if (!data && data.error().kind == common::ErrorKind::kTooLarge) {
    return common::makeError(common::ErrorKind::kTooLarge, "grew past max_file_bytes while read");
  }
  if (!data) {
    return common::makeError(std::string("cannot read: ") + errnoText(data.error().sysErrno), {},
                             data.error().sysErrno);
  }
  return data;
}

struct Shared {
  const ScanConfig& config;
  ScanCache* cache;
  const ResultSink& sink;
  const std::atomic<bool>* stop;
  const ProgressSink* progress;  // null or empty: nobody watches
  std::mutex mutex;              // guards summary and sink calls
  ScanSummary summary;

  // tally: the calling thread's counts, added to summary when it is done. A result nobody is told of
  // (clean, no progress display) is only counted there: no lock per file (a re-scan of an unchanged
  // tree is mostly such files).
  static void count(ScanSummary& into, bool read, std::int64_t bytes) {
    ++into.files;
    if (read) {
      ++into.filesRead;
      into.bytesRead += bytes;
    } else {
      ++into.cacheHits;
    }
  }
  void report(FileResult& result, bool read, std::int64_t bytes, ScanSummary& tally) {
    if (!result.reportable() && (progress == nullptr || !*progress)) {
      count(tally, read, bytes);
      return;
    }
    const std::lock_guard lock(mutex);
    count(summary, read, bytes);
    if (!result.hits.empty()) ++summary.filesWithHits;
    if (!result.notInspected.empty()) ++summary.notInspected;
    if (result.reportable()) sink(result);
    if (progress != nullptr && *progress) (*progress)(result.path, read ? bytes : 0);
  }
  void reportInternalError(const std::string& path, const std::exception& e, ScanSummary& tally) {
    FileResult failed;
    failed.path = path;
    failed.cacheable = false;
    failed.notInspected.push_back({"", std::string("internal error: ") + e.what()});
    report(failed, false, 0, tally);
  }
  void addTally(const ScanSummary& tally) {
    const std::lock_guard lock(mutex);
    summary.files += tally.files;
    summary.filesRead += tally.filesRead;
    summary.bytesRead += tally.bytesRead;
    summary.cacheHits += tally.cacheHits;
  }
};

// The cache's answer for a listed file, reported; false when the file must be read.
bool answeredByCache(Shared& shared, const std::string& path, const struct stat& st, int statErrno,
                     ScanSummary& tally) {
  if (statErrno != 0 || !S_ISREG(st.st_mode) || shared.cache == nullptr) return false;
  auto cached = shared.cache->lookup(path, identityOf(st));
  if (!cached) return false;
  shared.report(*cached, false, 0, tally);
  return true;
}

void scanOne(Shared& shared, ContentInspector& inspector, const ListedFile& file, ScanSummary& tally) {
  const std::string& path = file.path;
  FileResult result;
  result.path = path;
  // The lstat the walker took where it listed the file (not a second walk of the whole path).
  const struct stat& before = file.st;
  if (file.statErrno != 0) {
    result.notInspected.push_back({"", std::string("cannot stat: ") + errnoText(file.statErrno)});
    result.cacheable = false;
    shared.report(result, false, 0, tally);
    return;
  }
  if (!S_ISREG(before.st_mode)) return;  // a root that is a link (the walk never follows one below it)
  // (The cache was asked when the file was listed: run() sends here only what it could not answer.)
  result.size = before.st_size;
  if (before.st_size > shared.config.maxFileBytes) {
    result.notInspected.push_back(
        {"", "larger than max_file_bytes (" + std::to_string(shared.config.maxFileBytes) + ")"});
    shared.report(result, false, 0, tally);
    if (shared.cache != nullptr) shared.cache->store(identityOf(before), result);
    return;
  }
  // O_NOFOLLOW: a file replaced by a link after the walk listed it is not followed.
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT) return;  // removed since it was listed
    result.notInspected.push_back({"", std::string("cannot open: ") + errnoText(errno)});
    result.cacheable = false;
    shared.report(result, false, 0, tally);
    return;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  auto data = readWhole(fd.get(), st.st_size, shared.config.maxFileBytes);
  if (!data) {
    result.notInspected.push_back({"", data.error().message, data.error().kind});
    result.cacheable = false;
    shared.report(result, true, 0, tally);
    return;
  }
  result.size = static_cast<std::int64_t>(data.value().size());
  // The sandbox worker reads the document through this descriptor: it opens nothing itself.
  inspector.inspect(data.value(), result, fd.get());
  if (shared.config.idlePriority)
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);  // leave the page cache to the user
  fd.reset();
  // The hash identifies the file for the administrator; clean files are not reported, so not hashed.
  if (result.reportable()) result.sha256 = common::sha256Hex(data.value());
  for (const auto& skip : result.notInspected) {
    // A time budget or a missing worker may not hold next time: such a result is not kept.
    if (skip.kind == common::ErrorKind::kTimedOut || skip.kind == common::ErrorKind::kUnavailable)
      result.cacheable = false;
  }
  if (shared.cache != nullptr) shared.cache->store(identityOf(st), result);
  shared.report(result, true, result.size, tally);
}

}  // namespace

ContentScanner::ContentScanner(ScanConfig config) : config_(std::move(config)) {}

common::Result<FileResult> ContentScanner::inspectBytes(const ScanConfig& config, std::string_view data,
                                                        std::string path) {
  auto inspector = ContentInspector::create(config);
  if (!inspector) return inspector.error();
  FileResult result;
  result.path = std::move(path);
  result.size = static_cast<std::int64_t>(data.size());
  inspector.value()->inspect(data, result);
  result.sha256 = common::sha256Hex(data);
  return result;
}

bool ContentScanner::firstFilesNeedExtraction(const std::vector<std::string>& roots,
                                              const std::vector<std::string>& exclude) {
  constexpr int kFilesRead = 8;
  const DirectoryWalker walker(exclude);
  int read = 0;
  bool found = false;
  std::string head(1024, '\0');  // where sniffFileType finds every magic it knows (ISO 9660's aside)
  walker.walk(
      roots,
      [&](const std::string& path, const struct stat& st, int statErrno) {
        if (statErrno != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return true;
        const common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
        const ssize_t n = fd.valid() ? ::pread(fd.get(), head.data(), head.size(), 0) : -1;
        // What the light worker parses: archives only libarchive reads go to the full worker.
        const FileType type =
            n > 0 ? sniffFileType(std::string_view(head.data(), static_cast<std::size_t>(n))) : FileType::kOther;
        found = type != FileType::kOther && type != FileType::kArchive && type != FileType::kCompressed;
        return !found && ++read < kFilesRead;
      },
      [](const std::string&, const std::string&) {});
  return found;
}

common::Result<ScanSummary> ContentScanner::run(const std::vector<std::string>& roots, const ResultSink& sink,
                                                const std::atomic<bool>* stop) {
  const auto started = std::chrono::steady_clock::now();
  const auto threads = static_cast<std::size_t>(std::clamp<std::int64_t>(config_.threads, 1, 32));
  // Scanners are made here, on the calling thread, so a broken rule set fails the scan up front.
  std::vector<std::unique_ptr<ContentInspector>> inspectors;
  for (std::size_t i = 0; i < threads; ++i) {
    auto inspector = ContentInspector::create(config_);
    if (!inspector) return inspector.error();
    inspectors.push_back(std::move(inspector).value());
  }
  std::unique_ptr<ScanCache> cache;
  if (!config_.stateDir.empty()) {
    cache = std::make_unique<ScanCache>(config_.stateDir + "/scan-cache.bin", config_.fingerprint());
    if (auto loaded = cache->load(); !loaded) common::log::warning(loaded.error().describe());
  }
  Shared shared{config_, cache.get(), sink, stop, &progress_, {}, {}};
  PathQueue queue(threads, kQueueCapacity);
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < threads; ++i) {
    workers.emplace_back([&shared, &queue, inspector = inspectors[i].get(), budget = budget_.get()] {
      common::nameThisThread("mamori-scan-w");
      if (shared.config.idlePriority) {
        if (auto idle = makeCurrentThreadIdle(); !idle) common::log::debug(idle.error().describe());
      }
      // Nothing may escape a worker thread: an exception here would terminate the agent.
      ScanSummary tally;
      while (auto batch = queue.pop()) {
        for (const auto& file : *batch) {
          const std::string& path = file.path;
          if (shared.stop != nullptr && shared.stop->load()) break;  // the agent is stopping: drain quickly
          // Between files, not inside one: a sleep inside would eat the file's YARA time budget.
          if (budget != nullptr) budget->pace(shared.stop);
          try {
            // The sandbox worker's CPU is this scan's too: a budget counts it.
            const std::int64_t workerCpuBefore = budget != nullptr ? inspector->extractionCpuNs() : 0;
            scanOne(shared, *inspector, file, tally);
            if (budget != nullptr) budget->charge(inspector->extractionCpuNs() - workerCpuBefore);
          } catch (const std::exception& e) {
            shared.reportInternalError(path, e, tally);
          }
        }
      }
      shared.addTally(tally);
    });
  }
  const DirectoryWalker walker(config_.exclude);
  PathBatch batch;
  // Files the cache answers are answered here, as they are listed: only files to read go to the
  // threads (a re-scan of an unchanged tree wakes none of them, docs/decisions/0061).
  ScanSummary tally;
  CpuBudget* const budget = budget_.get();
  walker.walk(
      roots,
      [&](const std::string& path, const struct stat& st, int statErrno) {
        if (stop != nullptr && stop->load()) return false;
        if (cache) {
          if (budget != nullptr) budget->pace(stop);
          try {
            if (answeredByCache(shared, path, st, statErrno, tally)) return true;
          } catch (const std::exception& e) {
            shared.reportInternalError(path, e, tally);
            return true;
          }
        }
        batch.push_back({path, st, statErrno});
        if (batch.size() < kBatchSize) return true;
        return queue.push(std::exchange(batch, {}));
      },
      [&](const std::string& path, const std::string& reason) {
        FileResult problem;
        problem.path = path;
        problem.cacheable = false;
        problem.notInspected.push_back({"", reason});
        const std::lock_guard lock(shared.mutex);
        ++shared.summary.notInspected;
        sink(problem);
      });
  if (!batch.empty() && !(stop != nullptr && stop->load())) queue.push(std::move(batch));
  queue.close();
  for (auto& worker : workers) worker.join();
  shared.addTally(tally);
  if (cache) {
    if (auto saved = cache->save(); !saved) common::log::warning(saved.error().describe());
  }
  shared.summary.elapsedMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return shared.summary;
}

}  // namespace mamori::scan
