"""Edits of a signed set file as `mamorictl ... export` writes it (fingerprint/SignedSet.h): the
artifact ("MAMORSET" header, its length at offset 16), the signature trailer ("MAMORSIG", signer key
id, 64-byte Ed25519 signature) and the fleet key trailer ("MAMORKEY", 43 characters, 5 zero bytes);
and SetScanTest, what the fingerprint and exact-data-match tests share."""

import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

from mamori_testkit.harness import Collector, binary

SIGNATURE_BYTES = 88
KEY_BYTES = 56


def artifact_length(data):
    return struct.unpack_from("<Q", data, 16)[0]


def tampered(data, offset=200):
    """One bit of the signed artifact changed."""
    out = bytearray(data)
    out[offset] ^= 0x01
    return bytes(out)


def with_fleet_key(data, key_text):
    out = bytearray(data)
    at = len(data) - KEY_BYTES + 8
    out[at:at + 43] = key_text.encode()
    return bytes(out)


def with_signer_id(data, key_id):
    out = bytearray(data)
    at = artifact_length(data) + 8
    out[at:at + 16] = key_id.encode()
    return bytes(out)


class SetScanTest(unittest.TestCase):
    """A collector in a temporary folder, mamorictl, and `mamori-agent scan` with one signed set file
    checked against the collector's key. A subclass names its kind of set."""

    KIND = ""  # "fingerprint" or "edm": the match type, and the scan option's name (--fingerprints, --edm)
    OPTION = ""
    SCAN_OPTIONS = ()  # given to every scan
    REFUSED = ""  # how the scan says a set file is refused

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix=f"mamori-{self.KIND}-")
        self.collector = Collector(self.tmp).start()

    def tearDown(self):
        if self.collector.process:
            self.collector.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def ctl(self, *args, check=0):
        return self.collector.ctl(*args, check=check)

    def public_key(self):
        """The collector's policy public key as `mamorictl policy key` writes it (the same PEM openssl
        derives from the collector's private key)."""
        pem = os.path.join(self.tmp, "collector-policy.pub")
        if not os.path.exists(pem):
            self.ctl("policy", "key", "--output", pem)
            derived = subprocess.run(["openssl", "pkey", "-in", self.collector.policy_key_file, "-pubout"],
                                     check=True, capture_output=True, text=True).stdout
            with open(pem) as f:
                self.assertEqual(f.read(), derived)
        return pem

    def scan(self, bundle, root, *extra):
        """(the finished scan, {path under root: its matches of this kind}) of root with the set file bundle."""
        done = subprocess.run([binary("mamori-agent"), "scan", "--json", self.OPTION, bundle, "--collector-key",
                               self.public_key(), *self.SCAN_OPTIONS, *extra, root],
                              capture_output=True, text=True, timeout=300)
        found = {}
        for line in done.stdout.splitlines():
            r = json.loads(line) if line.strip() else {}
            if "path" in r:
                found[os.path.relpath(r["path"], root)] = [m for m in r["matches"] if m["type"] == self.KIND]
        return done, found

    def assert_refused(self, data, why, target):
        """A scan of target with data as its set file stops with exit 2 and says why the set is refused."""
        path = os.path.join(self.tmp, "bad." + self.KIND)
        with open(path, "wb") as f:
            f.write(data)
        done, _ = self.scan(path, target)
        self.assertEqual(done.returncode, 2, done.stdout + done.stderr)
        self.assertIn(self.REFUSED, done.stderr)
        self.assertIn(why, done.stderr)
