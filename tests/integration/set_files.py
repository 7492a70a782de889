"""Edits of a signed set file as `mamorictl ... export` writes it (fingerprint/SignedSet.h): the
artifact ("MAMORSET" header, its length at offset 16), the signature trailer ("MAMORSIG", signer key
id, 64-byte Ed25519 signature) and the fleet key trailer ("MAMORKEY", 43 characters, 5 zero bytes)."""

import struct

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
