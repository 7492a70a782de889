// mamori-extract and mamori-extract-light: the extraction sandbox workers (docs/decisions/0022, 0062).
// The scanner (mamori-agent, `mamori-agent scan`, mamori-inspect) starts them with a socketpair on
// descriptor 3; each confines itself (unprivileged user, no_new_privs, rlimits, seccomp), then parses
// the documents whose descriptors arrive and sends back their text. Neither opens a file or a socket of
// its own. The light one (MAMORI_EXTRACT_LIGHT) is linked without libarchive and hands a document that
// needs it back to the scanner, which gives it to mamori-extract.

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <clocale>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/stat.h>
#include <vector>

#include "common/CommandLine.h"
#include "drivers/linux/FramedSocket.h"
#include "drivers/linux/SandboxConfinement.h"
#include "scan/ExtractionService.h"
#include "scan/TextDecoder.h"

namespace {

#ifdef MAMORI_EXTRACT_LIGHT
constexpr std::string_view kProgram = "mamori-extract-light";
constexpr std::string_view kUsageHead = R"(Usage: mamori-extract-light [--user NAME] [--memory BYTES]

The content scanner's light extraction sandbox. mamori-agent, `mamori-agent scan` and mamori-inspect
start it themselves, one per scan thread, with its channel on descriptor 3; it is not run by hand.
It parses untrusted documents (Office, OpenDocument, PDF, RTF, text encodings; zip and gzip; e-mail
and mbox) confined; a document that needs libarchive (7z, RAR, tar, cpio, ISO 9660, xz, bzip2, zstd,
zip64) it hands back to the scanner, which gives it to mamori-extract, confined the same way:
)";
#else
constexpr std::string_view kProgram = "mamori-extract";
constexpr std::string_view kUsageHead = R"(Usage: mamori-extract [--user NAME] [--memory BYTES]

The content scanner's extraction sandbox. mamori-agent, `mamori-agent scan` and mamori-inspect start
it themselves, with its channel on descriptor 3, for the documents that need libarchive (the others
go to mamori-extract-light); it is not run by hand.
It parses untrusted documents (Office, OpenDocument, PDF, RTF, text encodings; zip, 7z, RAR, tar,
cpio, ISO 9660 and gzip/bzip2/xz/zstd archives; e-mail and mbox) confined:
)";
#endif
// The rest of the help is the same for both workers.
constexpr std::string_view kUsageTail =
    R"(started as root it becomes NAME (default: nobody), then no new privileges, no core files, an address
space of at most BYTES (default 2 GiB, at least 64 MiB), and a system-call filter without open,
socket or exec.

Options:
  --user NAME      the account to become when started as root [default: nobody]
  --memory BYTES   the address space limit in bytes [default: 2147483648]
  -h, --help       show this help

Exit status:
  0  the scanner closed the channel (or the help was shown)
  2  usage error, or started without its channel
  3  out of memory (a document needed more than BYTES)
  4  internal error
  5  the sandbox could not be set up
)";

void say(std::string_view text) {
  // write(2), not stdio: after the filter no fstat is allowed, and stdio may want one.
  const ssize_t ignored = ::write(2, text.data(), text.size());
  (void)ignored;
}

#ifdef MAMORI_EXTRACT_TEST_HOOKS
// Test builds only (CMake option MAMORI_EXTRACT_TEST_HOOKS, off for packages): a document that starts
// with this line makes the worker misbehave as a broken parser would, inside the real sandbox.
constexpr std::string_view kHookPrefix = "MAMORI-EXTRACT-TEST:";

void testHook(std::string_view document) {
  if (document.substr(0, kHookPrefix.size()) != kHookPrefix) return;
  const std::string_view what = document.substr(kHookPrefix.size(), document.find('\n') - kHookPrefix.size());
  if (what == "crash") {
    // A wild write through a pointer the compiler cannot see through, as a parser bug would make.
    volatile std::uintptr_t address = 16;
    *reinterpret_cast<volatile int*>(address) = 1;  // NOLINT: on purpose
  } else if (what == "loop") {
    volatile std::uint64_t spin = 0;
    for (;;) spin = spin + 1;  // NOLINT: a loop with no way out
  } else if (what == "alloc") {
    std::vector<char*> held;
    for (;;) {
      char* block = new char[1U << 20U];
      block[0] = 1;  // NOLINT: one touched byte per MiB: the address space, not RAM, runs out
      held.push_back(block);
    }
  } else if (what == "open") {
    const int fd = ::open("/etc/hostname", O_RDONLY | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
    say(fd >= 0 ? "mamori-extract: SANDBOX ESCAPE: open succeeded\n" : "mamori-extract: open refused\n");
    throw std::runtime_error(fd >= 0 ? "SANDBOX ESCAPE: open succeeded" : "open refused without SIGSYS");
  } else if (what == "socket") {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    throw std::runtime_error(fd >= 0 ? "SANDBOX ESCAPE: socket succeeded" : "socket refused without SIGSYS");
  }
}
#endif

// The one grammar of every mamori program (common/CommandLine): --name VALUE and --name=VALUE.
// Exit 0 after the help, 2 after a usage error (said on stderr), -1 to go on.
int parseArguments(const std::vector<std::string>& args, mamori::drivers::SandboxConfinement& confinement) {
  mamori::common::CommandLine line;
  line.text("--user", confinement.user);
  line.option("--memory", [&confinement](const std::string& value) -> mamori::common::Status {
    auto bytes = mamori::common::parseInteger(value, 64LL << 20, INT64_MAX);
    if (!bytes) return mamori::common::makeError("needs a byte count of at least 64 MiB, got \"" + value + "\"");
    confinement.addressSpaceBytes = bytes.value();
    return mamori::common::Ok{};
  });
  bool help = false;
  if (auto parsed = line.parse(args, help); !parsed) {
    say(std::string(kProgram) + ": " + parsed.error().describe() + "\nTry '" + std::string(kProgram) + " --help'.\n");
    return 2;
  }
  if (help) {
    say(std::string(kUsageHead) + std::string(kUsageTail));
    return 0;
  }
  return -1;
}

}  // namespace

int main(int argc, char* argv[]) {
  mamori::drivers::SandboxConfinement confinement;
  confinement.channelFd = 3;
  confinement.addressSpaceBytes = 2LL << 30;
  if (const int code = parseArguments(std::vector<std::string>(argv + 1, argv + argc), confinement); code >= 0) {
    return code;
  }
  struct stat st {};
  if (::fstat(confinement.channelFd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    say(std::string(kProgram) + ": no channel on descriptor 3; this program is started by the scanner, not by hand\n");
    return 2;
  }
  // The heap grows and shrinks with every document; glibc's default would hand it back to the kernel
  // after each one and fault it in again (about half the worker's time on office files, measured).
  // Keep up to 64 MiB of it between documents; RLIMIT_AS still bounds the total.
  // NOLINTBEGIN(concurrency-mt-unsafe): main() sets these before anything else runs, and the worker has one thread
  ::mallopt(M_TRIM_THRESHOLD, 64 << 20);
  ::mallopt(M_TOP_PAD, 16 << 20);
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  // NOLINTEND(concurrency-mt-unsafe)
  // libarchive gives a member's name in the locale's character set: in the C locale a name that is not
  // ASCII (報告書.docx in a 7z or a cabinet) cannot be given at all. glibc's C.UTF-8 is built in (no file).
  ::setlocale(LC_CTYPE, "C.UTF-8");  // NOLINT(concurrency-mt-unsafe): in main(), on the worker's one thread
  // Everything that needs a file (the C library's converters) is loaded before the filter.
  if (!mamori::scan::preloadConverters()) say(std::string(kProgram) + ": some text converters are missing\n");
  // libarchive turns ISO 9660 dates into time_t with mktime, which reads /etc/localtime on first use:
  // a time zone given as a rule needs no file (the dates are never shown).
  ::setenv("TZ", "UTC0", 1);  // NOLINT(concurrency-mt-unsafe): in main(), on the worker's one thread
  ::tzset();
  if (auto confined = mamori::drivers::confineCurrentProcess(confinement); !confined) {
    say(std::string(kProgram) + ": cannot set up the sandbox: " + confined.error().describe() + "\n");
    return mamori::scan::kExitSandboxFailed;
  }
  mamori::drivers::FramedSocket channel{mamori::common::UniqueFd(confinement.channelFd)};
#ifdef MAMORI_EXTRACT_TEST_HOOKS
  return mamori::scan::serveExtraction(channel, testHook);
#else
  return mamori::scan::serveExtraction(channel);
#endif
}
