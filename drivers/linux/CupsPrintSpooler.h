#pragma once
// The PrintSpooler of a CUPS scheduler: IPP requests through libcups on one connection (a socket path
// or loopback port; over the local socket cupsd knows root by its peer credentials), the spooled
// documents read from RequestRoot (d<job>-<doc>, readable by root only), and an inotify watch on that
// folder that wakes the gate when cupsd writes a job's files (docs/decisions/0042). libcups is loaded
// by the first call that needs it (CupsLibrary): a spooler never asked costs nothing.

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "drivers/include/PrintSpooler.h"
#include "drivers/linux/CupsLibrary.h"

namespace mamori::drivers::linux_os {

class CupsPrintSpooler final : public PrintSpooler {
 public:
  CupsPrintSpooler();
  ~CupsPrintSpooler() override;

  void use(const std::string& server, const std::string& spoolDir) override;
  common::Result<std::vector<PrinterFacts>> printers() override;
  common::Status setHoldDefault(const std::string& printer, const std::string& keyword) override;
  common::Result<std::vector<PrintJobFacts>> jobs() override;
  common::Status hold(std::int64_t jobId) override;
  common::Status release(std::int64_t jobId) override;
  common::Status cancel(std::int64_t jobId) override;
  common::Result<SpooledDocument> document(std::int64_t jobId, std::int64_t number, std::size_t maxBytes) override;
  void waitForChange(int timeoutMs) override;
  void wake() override;

 private:
  struct HttpDeleter {
    void operator()(http_t* http) const { loadedCupsLibrary().httpClose(http); }
  };
  struct IppDeleter {
    void operator()(ipp_t* ipp) const { loadedCupsLibrary().ippDelete(ipp); }
  };
  using IppPtr = std::unique_ptr<ipp_t, IppDeleter>;

  // libcups loaded, or why not: every operation asks first (nothing of libcups runs before).
  static common::Status loaded();
  common::Result<http_t*> connection();
  // Sends request (consumed) and returns the answer, or the scheduler's refusal as an error.
  common::Result<IppPtr> call(ipp_t* request, const std::string& what);
  // The same for a listing: not-found is an empty answer (null).
  common::Result<IppPtr> callList(ipp_t* request, const std::string& what);
  common::Status jobOperation(ipp_op_t op, std::int64_t jobId, const char* what);
  void watchSpool();

  std::string server_;
  std::string spoolDir_;
  std::unique_ptr<http_t, HttpDeleter> http_;
  common::UniqueFd inotify_;
  common::UniqueFd wake_;          // an eventfd
  std::string watched_;            // the folder inotify_ watches
  std::set<std::string> classes_;  // of the last printers(): set through CUPS-Add-Modify-Class
};

}  // namespace mamori::drivers::linux_os
