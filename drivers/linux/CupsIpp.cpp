#include "drivers/linux/CupsIpp.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace mamori::drivers::linux_os {

namespace {

const CupsLibrary& cups() { return loadedCupsLibrary(); }

struct IppDeleter {
  void operator()(ipp_t* ipp) const { cups().ippDelete(ipp); }
};
using IppPtr = std::unique_ptr<ipp_t, IppDeleter>;

std::string bounded(const char* text) {
  if (text == nullptr) return {};
  return std::string(text, strnlen(text, kMaxIppText));
}

bool isText(ipp_attribute_t* attr) {
  switch (cups().ippGetValueTag(attr)) {
    case IPP_TAG_TEXT:
    case IPP_TAG_NAME:
    case IPP_TAG_TEXTLANG:
    case IPP_TAG_NAMELANG:
    case IPP_TAG_KEYWORD:
    case IPP_TAG_URI:
    case IPP_TAG_STRING: return true;
    default: return false;
  }
}

std::string firstText(ipp_attribute_t* attr) {
  if (!isText(attr) || cups().ippGetCount(attr) < 1) return {};
  return bounded(cups().ippGetString(attr, 0, nullptr));
}

std::int64_t firstInteger(ipp_attribute_t* attr, std::int64_t otherwise) {
  const ipp_tag_t tag = cups().ippGetValueTag(attr);
  if ((tag != IPP_TAG_INTEGER && tag != IPP_TAG_ENUM) || cups().ippGetCount(attr) < 1) return otherwise;
  return cups().ippGetInteger(attr, 0);
}

void takeJobAttribute(ipp_attribute_t* attr, const char* name, PrintJobFacts& job) {
  if (std::strcmp(name, "job-id") == 0) {
    job.id = firstInteger(attr, 0);
  } else if (std::strcmp(name, "job-state") == 0) {
    const std::int64_t state = firstInteger(attr, 0);
    // An unknown state counts as pending: a job the gate has not judged must never look finished.
    job.state = state >= 3 && state <= 9 ? static_cast<PrintJobState>(state) : PrintJobState::kPending;
  } else if (std::strcmp(name, "job-state-reasons") == 0 && isText(attr)) {
    const int count = std::min(cups().ippGetCount(attr), 64);
    for (int i = 0; i < count; ++i) job.stateReasons.push_back(bounded(cups().ippGetString(attr, i, nullptr)));
  } else if (std::strcmp(name, "job-hold-until") == 0) {
    job.holdUntil = firstText(attr);
  } else if (std::strcmp(name, "job-originating-user-name") == 0) {
    job.user = firstText(attr);
  } else if (std::strcmp(name, "job-printer-uri") == 0) {
    job.printer = printerFromUri(firstText(attr));
  } else if (std::strcmp(name, "job-name") == 0) {
    job.title = firstText(attr);
  } else if (std::strcmp(name, "job-originating-host-name") == 0) {
    job.host = firstText(attr);
  } else if (std::strcmp(name, "number-of-documents") == 0) {
    job.documents = std::max<std::int64_t>(0, firstInteger(attr, 0));
  } else if (std::strcmp(name, "time-at-creation") == 0) {
    job.createdS = std::max<std::int64_t>(0, firstInteger(attr, 0));
  }
}

ssize_t readFromView(void* context, ipp_uchar_t* buffer, size_t bytes) {
  auto* view = static_cast<std::string_view*>(context);
  const std::size_t n = std::min(bytes, view->size());
  std::memcpy(buffer, view->data(), n);
  view->remove_prefix(n);
  return static_cast<ssize_t>(n);
}

common::Result<IppPtr> readMessage(std::string_view bytes) {
  if (auto library = cupsLibrary(); !library) return library.error();
  IppPtr ipp(cups().ippNew());
  std::string_view rest = bytes;
  // Blocking mode: libcups reads until the message is whole or the bytes end.
  const ipp_state_t state = cups().ippReadIO(&rest, readFromView, 1, nullptr, ipp.get());
  if (state != IPP_STATE_DATA) {
    return common::makeError(common::ErrorKind::kCorrupt,
                             "not a whole IPP message (stopped after " + std::to_string(bytes.size() - rest.size()) +
                                 " of " + std::to_string(bytes.size()) + " bytes)",
                             "ipp");
  }
  return ipp;
}

}  // namespace

std::string printerFromUri(std::string_view uri) {
  for (const std::string_view marker : {std::string_view("/printers/"), std::string_view("/classes/")}) {
    const std::size_t at = uri.find(marker);
    if (at == std::string_view::npos) continue;
    std::string_view name = uri.substr(at + marker.size());
    name = name.substr(0, std::min({name.find('/'), name.find('?'), name.size()}));
    return std::string(name.substr(0, kMaxIppText));
  }
  return {};
}

std::vector<PrintJobFacts> jobsFromIpp(ipp_t* response) {
  std::vector<PrintJobFacts> jobs;
  if (response == nullptr) return jobs;
  PrintJobFacts job;
  bool inJob = false;
  auto finish = [&] {
    if (inJob && job.id > 0 && jobs.size() < kMaxIppJobs) jobs.push_back(std::move(job));
    job = PrintJobFacts{};
    inJob = false;
  };
  // Each job is one job-attributes group; libcups marks the boundary between two adjacent groups of
  // the same tag with a nameless separator attribute.
  for (ipp_attribute_t* attr = cups().ippFirstAttribute(response); attr != nullptr;
       attr = cups().ippNextAttribute(response)) {
    const char* name = cups().ippGetName(attr);
    if (cups().ippGetGroupTag(attr) != IPP_TAG_JOB || name == nullptr) {
      finish();
      continue;
    }
    inJob = true;
    takeJobAttribute(attr, name, job);
  }
  finish();
  return jobs;
}

std::vector<PrinterFacts> printersFromIpp(ipp_t* response) {
  std::vector<PrinterFacts> printers;
  if (response == nullptr) return printers;
  PrinterFacts printer;
  auto finish = [&] {
    if (!printer.name.empty() && printers.size() < kMaxIppJobs) printers.push_back(std::move(printer));
    printer = PrinterFacts{};
  };
  for (ipp_attribute_t* attr = cups().ippFirstAttribute(response); attr != nullptr;
       attr = cups().ippNextAttribute(response)) {
    const char* name = cups().ippGetName(attr);
    if (cups().ippGetGroupTag(attr) != IPP_TAG_PRINTER || name == nullptr) {
      finish();
      continue;
    }
    if (std::strcmp(name, "printer-name") == 0) {
      printer.name = firstText(attr);
    } else if (std::strcmp(name, "job-hold-until-default") == 0) {
      printer.holdDefault = firstText(attr);
    }
  }
  finish();
  return printers;
}

common::Result<std::vector<PrintJobFacts>> parseJobsMessage(std::string_view bytes) {
  auto ipp = readMessage(bytes);
  if (!ipp) return ipp.error();
  return jobsFromIpp(ipp.value().get());
}

common::Result<std::vector<PrinterFacts>> parsePrintersMessage(std::string_view bytes) {
  auto ipp = readMessage(bytes);
  if (!ipp) return ipp.error();
  return printersFromIpp(ipp.value().get());
}

}  // namespace mamori::drivers::linux_os
