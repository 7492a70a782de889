#include "drivers/linux/CupsPrintSpooler.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "drivers/linux/CupsIpp.h"

namespace mamori::drivers::linux_os {

namespace {

const CupsLibrary& cups() { return loadedCupsLibrary(); }

constexpr int kConnectTimeoutMs = 5000;
constexpr const char* kJobAttributes[] = {
    "job-id",          "job-state", "job-state-reasons",         "job-hold-until",      "job-originating-user-name",
    "job-printer-uri", "job-name",  "job-originating-host-name", "number-of-documents", "time-at-creation"};
constexpr const char* kPrinterAttributes[] = {"printer-name", "job-hold-until-default"};

std::string jobUri(std::int64_t jobId) { return "ipp://localhost/jobs/" + std::to_string(jobId); }

// A request to the object at uri, by this process's user. Every operation attribute comes before
// any other group: cupsd refuses a message whose groups go back.
ipp_t* newRequest(ipp_op_t op, const char* uriName, const std::string& uri) {
  ipp_t* request = cups().ippNewRequest(op);
  cups().ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, uriName, nullptr, uri.c_str());
  cups().ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cups().cupsUser());
  return request;
}

}  // namespace

CupsPrintSpooler::CupsPrintSpooler() : wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

CupsPrintSpooler::~CupsPrintSpooler() = default;

void CupsPrintSpooler::use(const std::string& server, const std::string& spoolDir) {
  if (server != server_) http_.reset();
  server_ = server;
  spoolDir_ = spoolDir;
}

common::Status CupsPrintSpooler::loaded() {
  auto library = cupsLibrary();
  if (!library) return library.error();
  return common::Ok{};
}

common::Result<http_t*> CupsPrintSpooler::connection() {
  if (http_) return http_.get();
  std::string host = server_.empty() ? cups().cupsServer() : server_;
  int port = cups().ippPort();
  if (!host.empty() && host.front() != '/') {
    const std::size_t colon = host.rfind(':');
    if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
      port = std::atoi(host.c_str() + colon + 1);
      host.resize(colon);
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  }
  http_t* http = cups().httpConnect2(host.c_str(), port, nullptr, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED, 1,
                                     kConnectTimeoutMs, nullptr);
  if (http == nullptr) {
    return common::makeError(common::ErrorKind::kUnavailable,
                             "cannot reach the CUPS scheduler: " + std::string(cups().cupsLastErrorString()), host);
  }
  http_.reset(http);
  return http;
}

common::Result<CupsPrintSpooler::IppPtr> CupsPrintSpooler::call(ipp_t* request, const std::string& what) {
  IppPtr owned(request);
  auto http = connection();
  if (!http) return http.error();
  // cupsDoRequest frees the request; it answers 401 itself with the local peer credentials.
  IppPtr response(cups().cupsDoRequest(http.value(), owned.release(), "/"));
  const ipp_status_t status = cups().cupsLastError();
  if (response == nullptr || status > IPP_STATUS_OK_EVENTS_COMPLETE) {
    const bool gone = response == nullptr && status >= IPP_STATUS_ERROR_INTERNAL;
    if (gone) http_.reset();  // the next call reconnects
    const common::ErrorKind kind = status == IPP_STATUS_ERROR_NOT_FOUND ? common::ErrorKind::kNotFound
                                   : status == IPP_STATUS_ERROR_FORBIDDEN || status == IPP_STATUS_ERROR_NOT_AUTHORIZED
                                       ? common::ErrorKind::kDenied
                                       : common::ErrorKind::kUnavailable;
    return common::makeError(
        kind, what + ": " + cups().ippErrorString(status) + " (" + cups().cupsLastErrorString() + ")", "cups");
  }
  return response;
}

common::Result<CupsPrintSpooler::IppPtr> CupsPrintSpooler::callList(ipp_t* request, const std::string& what) {
  auto response = call(request, what);
  // cupsd answers a listing with nothing in it not-found: an empty list (the parsers take null).
  if (!response && response.error().kind == common::ErrorKind::kNotFound) return IppPtr();
  return response;
}

common::Result<std::vector<PrinterFacts>> CupsPrintSpooler::printers() {
  if (auto ready = loaded(); !ready) return ready.error();
  std::vector<PrinterFacts> all;
  classes_.clear();
  for (const ipp_op_t op : {IPP_OP_CUPS_GET_PRINTERS, IPP_OP_CUPS_GET_CLASSES}) {
    ipp_t* request = newRequest(op, "printer-uri", "ipp://localhost/");
    cups().ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                         static_cast<int>(std::size(kPrinterAttributes)), nullptr, kPrinterAttributes);
    auto response =
        callList(request, op == IPP_OP_CUPS_GET_CLASSES ? "listing the print classes" : "listing the print queues");
    if (!response) return response.error();
    for (auto& queue : printersFromIpp(response.value().get())) {
      if (op == IPP_OP_CUPS_GET_CLASSES) classes_.insert(queue.name);
      all.push_back(std::move(queue));
    }
  }
  return all;
}

common::Status CupsPrintSpooler::setHoldDefault(const std::string& printer, const std::string& keyword) {
  if (auto ready = loaded(); !ready) return ready.error();
  const bool isClass = classes_.count(printer) != 0;
  char uri[HTTP_MAX_URI];
  cups().httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof(uri), "ipp", nullptr, "localhost", 0,
                          isClass ? "/classes/%s" : "/printers/%s", printer.c_str());
  ipp_t* request =
      newRequest(isClass ? IPP_OP_CUPS_ADD_MODIFY_CLASS : IPP_OP_CUPS_ADD_MODIFY_PRINTER, "printer-uri", uri);
  cups().ippAddString(request, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "job-hold-until-default", nullptr, keyword.c_str());
  auto response = call(request, "setting job-hold-until-default=" + keyword + " on " + printer);
  if (!response) return response.error();
  return common::Ok{};
}

common::Result<std::vector<PrintJobFacts>> CupsPrintSpooler::jobs() {
  if (auto ready = loaded(); !ready) return ready.error();
  ipp_t* request = newRequest(IPP_OP_GET_JOBS, "printer-uri", "ipp://localhost/");
  cups().ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nullptr, "not-completed");
  cups().ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                       static_cast<int>(std::size(kJobAttributes)), nullptr, kJobAttributes);
  auto response = callList(request, "listing the print jobs");
  if (!response) return response.error();
  return jobsFromIpp(response.value().get());
}

common::Status CupsPrintSpooler::jobOperation(ipp_op_t op, std::int64_t jobId, const char* what) {
  if (auto ready = loaded(); !ready) return ready.error();
  ipp_t* request = newRequest(op, "job-uri", jobUri(jobId));
  auto response = call(request, std::string(what) + " job " + std::to_string(jobId));
  if (!response) return response.error();
  return common::Ok{};
}

common::Status CupsPrintSpooler::hold(std::int64_t jobId) { return jobOperation(IPP_OP_HOLD_JOB, jobId, "holding"); }
common::Status CupsPrintSpooler::release(std::int64_t jobId) {
  return jobOperation(IPP_OP_RELEASE_JOB, jobId, "releasing");
}
common::Status CupsPrintSpooler::cancel(std::int64_t jobId) {
  return jobOperation(IPP_OP_CANCEL_JOB, jobId, "cancelling");
}

common::Result<SpooledDocument> CupsPrintSpooler::document(std::int64_t jobId, std::int64_t number,
                                                           std::size_t maxBytes) {
  std::array<char, 40> name{};
  std::snprintf(name.data(), name.size(), "/d%05lld-%03lld", static_cast<long long>(jobId),
                static_cast<long long>(number));
  SpooledDocument doc;
  doc.path = spoolDir_ + name.data();
  doc.fd.reset(::open(doc.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!doc.fd.valid()) {
    const int err = errno;
    return common::makeError("cannot open the spooled document", doc.path, err);
  }
  struct stat st {};
  if (::fstat(doc.fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return common::makeError(common::ErrorKind::kCorrupt, "the spooled document is not a regular file", doc.path);
  }
  doc.size = st.st_size;
  std::array<char, 65536> buffer{};
  while (doc.data.size() < maxBytes) {
    const std::size_t want = std::min(buffer.size(), maxBytes - doc.data.size());
    const ssize_t n = ::pread(doc.fd.get(), buffer.data(), want, static_cast<off_t>(doc.data.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      return common::makeError("cannot read the spooled document", doc.path, err);
    }
    if (n == 0) break;
    doc.data.append(buffer.data(), static_cast<std::size_t>(n));
  }
  doc.complete = static_cast<std::int64_t>(doc.data.size()) == doc.size;
  return doc;
}

void CupsPrintSpooler::watchSpool() {
  if (watched_ == spoolDir_ && inotify_.valid()) return;
  inotify_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  watched_.clear();
  if (!inotify_.valid()) return;
  // cupsd writes a job's document (d<job>-001) when the job arrives; its control file later.
  if (::inotify_add_watch(inotify_.get(), spoolDir_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
    inotify_.reset();
    return;
  }
  watched_ = spoolDir_;
}

void CupsPrintSpooler::waitForChange(int timeoutMs) {
  watchSpool();
  std::array<pollfd, 2> fds{{{wake_.get(), POLLIN, 0}, {inotify_.valid() ? inotify_.get() : -1, POLLIN, 0}}};
  if (::poll(fds.data(), fds.size(), timeoutMs) <= 0) return;
  std::array<char, 4096> drain{};
  std::uint64_t count = 0;
  if ((fds[0].revents & POLLIN) != 0) (void)!::read(wake_.get(), &count, sizeof(count));
  if (inotify_.valid() && (fds[1].revents & POLLIN) != 0) {
    while (::read(inotify_.get(), drain.data(), drain.size()) > 0) {
    }
  }
}

void CupsPrintSpooler::wake() {
  const std::uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof(one));
}

}  // namespace mamori::drivers::linux_os
