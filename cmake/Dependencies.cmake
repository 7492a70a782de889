# Every dependency is found here, once. A missing one stops the configure step and names the Debian
# package that provides it (scripts/bootstrap.sh installs them all).

function(mamori_missing what package)
  message(FATAL_ERROR "mamori: ${what} was not found. On Debian 12 install it with:\n"
                      "    sudo apt-get install ${package}\n"
                      "or run scripts/bootstrap.sh, which installs every dependency.")
endfunction()

find_package(Qt6 COMPONENTS Core Network QUIET)
if(NOT Qt6Core_FOUND OR NOT Qt6Network_FOUND)
  mamori_missing("Qt 6 Core and Network" "qt6-base-dev")
endif()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  mamori_missing("pkg-config" "pkg-config")
endif()

# Debian's Poco::DataPostgreSQL names PostgreSQL::client in its link interface but nothing defines it;
# provide it from libpq.
if(NOT TARGET PostgreSQL::client)
  pkg_check_modules(LIBPQ QUIET IMPORTED_TARGET GLOBAL libpq)
  if(NOT LIBPQ_FOUND)
    mamori_missing("libpq" "libpq-dev")
  endif()
  add_library(PostgreSQL::client INTERFACE IMPORTED GLOBAL)
  target_link_libraries(PostgreSQL::client INTERFACE PkgConfig::LIBPQ)
endif()

set(_mamori_poco_components Foundation Net NetSSL Crypto JSON Util Data DataSQLite DataPostgreSQL JWT Zip)
find_package(Poco QUIET COMPONENTS ${_mamori_poco_components})
if(NOT Poco_FOUND)
  mamori_missing("Poco (${_mamori_poco_components})" "libpoco-dev")
endif()

find_package(OpenSSL QUIET)
if(NOT OpenSSL_FOUND)
  mamori_missing("OpenSSL" "libssl-dev")
endif()

# Boost's header-only Asio and Beast (event-driven networking with OpenSSL streams).
find_package(Boost 1.81 QUIET CONFIG)
if(NOT Boost_FOUND)
  mamori_missing("Boost (Asio, Beast)" "libboost1.81-dev")
endif()
find_package(Threads REQUIRED)

find_package(ZLIB QUIET)
if(NOT ZLIB_FOUND)
  mamori_missing("zlib" "zlib1g-dev")
endif()

pkg_check_modules(YARA QUIET IMPORTED_TARGET yara)
if(NOT YARA_FOUND)
  mamori_missing("libyara" "libyara-dev")
endif()
pkg_check_modules(SECCOMP QUIET IMPORTED_TARGET libseccomp)  # the extraction sandbox's filter
if(NOT SECCOMP_FOUND)
  mamori_missing("libseccomp" "libseccomp-dev")
endif()
pkg_check_modules(LIBARCHIVE QUIET IMPORTED_TARGET libarchive)  # 7z, RAR, tar, cpio, ISO 9660 (scan/ArchiveReader)
if(NOT LIBARCHIVE_FOUND)
  mamori_missing("libarchive" "libarchive-dev")
endif()
pkg_check_modules(LIBDEFLATE QUIET IMPORTED_TARGET libdeflate)  # zip members inflated in one call (scan/ZipReader)
if(NOT LIBDEFLATE_FOUND)
  mamori_missing("libdeflate" "libdeflate-dev")
endif()
find_package(Cups QUIET)  # the print gate's IPP client (drivers/linux/CupsPrintSpooler, CupsIpp)
if(NOT Cups_FOUND)
  mamori_missing("libcups" "libcups2-dev")
endif()
pkg_check_modules(LIBUSB QUIET IMPORTED_TARGET libusb-1.0)
if(NOT LIBUSB_FOUND)
  mamori_missing("libusb-1.0" "libusb-1.0-0-dev")
endif()

if(MAMORI_BUILD_TESTS)
  find_package(doctest QUIET)
  if(NOT doctest_FOUND)
    mamori_missing("doctest" "doctest-dev")
  endif()
endif()
