# The fuzz targets: name, source, seed corpus folder (under corpus/), libraries.
set(MAMORI_FUZZ_TARGETS event_batch gzip utc_time policy scan_extract scan_decode uevent usb_descriptors usb_strings proc siem_format p2p_flow mountinfo activity_parsers inspect_parsers agent_control console_request retry_after audit_page extract_protocol proxy_header scan_ole fanotify_fid)
# Libraries per target; targets not listed link mamori_common only.
set(MAMORI_FUZZ_LIBS_policy mamori_policy)
set(MAMORI_FUZZ_LIBS_console_request mamori_console_rules)
set(MAMORI_FUZZ_LIBS_uevent mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_usb_descriptors mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_usb_strings mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_scan_extract mamori_scan_content)
set(MAMORI_FUZZ_LIBS_scan_decode mamori_scan_content)
set(MAMORI_FUZZ_LIBS_extract_protocol mamori_scan_content)
set(MAMORI_FUZZ_LIBS_scan_ole mamori_scan_content)
set(MAMORI_FUZZ_LIBS_proc mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_siem_format mamori_siem_format)
set(MAMORI_FUZZ_LIBS_p2p_flow mamori_p2p_flow)
set(MAMORI_FUZZ_LIBS_mountinfo mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_fanotify_fid mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_activity_parsers mamori_activity_parsers)
set(MAMORI_FUZZ_LIBS_inspect_parsers mamori_inspect_parsers)
set(MAMORI_FUZZ_LIBS_agent_control mamori_agent_guard_parsers)
set(MAMORI_FUZZ_LIBS_audit_page mamori_collector_audit)
set(MAMORI_FUZZ_LIBS_proxy_header mamori_collector_proxy)
# libarchive's formats (scan/ArchiveReader), seeded with small archives and hostile ones (issue 17).
list(APPEND MAMORI_FUZZ_TARGETS scan_archive)
set(MAMORI_FUZZ_LIBS_scan_archive mamori_scan_content)
# The e-mail reader (scan/MailReader), seeded with real and hostile messages (issue 17).
list(APPEND MAMORI_FUZZ_TARGETS scan_mail)
set(MAMORI_FUZZ_LIBS_scan_mail mamori_scan_content)
# The fingerprint set artifact and the text normaliser (fingerprint/, issue 18).
list(APPEND MAMORI_FUZZ_TARGETS fingerprint_artifact)
set(MAMORI_FUZZ_LIBS_fingerprint_artifact mamori_fingerprint)
# What sysfs shows of a PCI device: hex attributes, config space, slot addresses (issue 16).
list(APPEND MAMORI_FUZZ_TARGETS pci_sysfs)
set(MAMORI_FUZZ_LIBS_pci_sysfs mamori_drivers_parsers)
# The exact-data-match set artifact and the row matcher (fingerprint/, issue 18).
list(APPEND MAMORI_FUZZ_TARGETS edm_artifact)
set(MAMORI_FUZZ_LIBS_edm_artifact mamori_fingerprint)
# PE version resources of Windows programs run through Wine (common/PeVersionInfo, issue 19).
list(APPEND MAMORI_FUZZ_TARGETS pe_version)
# Optical drives: INQUIRY strings and device numbers from sysfs (issue 16).
list(APPEND MAMORI_FUZZ_TARGETS optical)
set(MAMORI_FUZZ_LIBS_optical mamori_drivers_parsers)
# Thunderbolt/USB4 sysfs: router names, authorized, security level, UUID, domain (issue 16).
list(APPEND MAMORI_FUZZ_TARGETS thunderbolt)
set(MAMORI_FUZZ_LIBS_thunderbolt mamori_drivers_parsers)
# The print gate's reading of CUPS's IPP answers: jobs and queues (drivers/linux/CupsIpp, issue 16).
list(APPEND MAMORI_FUZZ_TARGETS cups_ipp)
set(MAMORI_FUZZ_LIBS_cups_ipp mamori_drivers_cups_parsers)
# Which Windows program a Wine process runs: its argv (Wine's start and its options), the program as
# a path through the prefix's drive links, Wine's search path (agent/p2p/WineProgram, issue 19).
list(APPEND MAMORI_FUZZ_TARGETS wine_program)
set(MAMORI_FUZZ_LIBS_wine_program mamori_p2p_wine)
# The print gate's note in the agent's state folder, read as root by `mamori-agent printing release`
# (agent/activity/PrintRelease, issue 16).
list(APPEND MAMORI_FUZZ_TARGETS print_gate_note)
set(MAMORI_FUZZ_LIBS_print_gate_note mamori_activity_parsers)
