# The fuzz targets: name, source, seed corpus folder (under corpus/), libraries.
set(MAMORI_FUZZ_TARGETS event_batch gzip utc_time)
