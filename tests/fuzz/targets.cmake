# The fuzz targets: name, source, seed corpus folder (under corpus/), libraries.
set(MAMORI_FUZZ_TARGETS event_batch gzip utc_time policy scan_extract scan_decode uevent usb_descriptors proc p2p_flow mountinfo activity_parsers inspect_parsers console_request)
# Libraries per target; targets not listed link mamori_common only.
set(MAMORI_FUZZ_LIBS_policy mamori_policy)
set(MAMORI_FUZZ_LIBS_console_request mamori_console_rules)
set(MAMORI_FUZZ_LIBS_uevent mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_usb_descriptors mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_scan_extract mamori_scan_content)
set(MAMORI_FUZZ_LIBS_scan_decode mamori_scan_content)
set(MAMORI_FUZZ_LIBS_proc mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_p2p_flow mamori_p2p_flow)
set(MAMORI_FUZZ_LIBS_mountinfo mamori_drivers_parsers)
set(MAMORI_FUZZ_LIBS_activity_parsers mamori_activity_parsers)
set(MAMORI_FUZZ_LIBS_inspect_parsers mamori_inspect_parsers)
