"""Archive fixtures for make_fixtures.py, made with the Debian tools that users' archives come from:
7z (p7zip-full), tar with gzip/bzip2/xz/zstd, cpio, genisoimage; zip64 from Python's zipfile. A RAR5
archive is written here byte by byte (stored member): Debian has no tool that makes RAR (rar is not
packaged for Debian 12), and libarchive only reads it.

build(out, helpers) writes the files; EXPECTED is merged into make_fixtures.EXPECTED. A missing tool
fails the fixture script (a skipped fixture is not a pass).
"""
import io
import os
import shutil
import struct
import subprocess
import tarfile
import tempfile
import zipfile
import zlib

MARK = "社外秘"
JA = "ja"  # rule names below
MARK_JA = "company-confidential:confidential_marking_ja"


def run(args, cwd, stdin=None):
    tool = shutil.which(args[0])
    if tool is None:
        raise SystemExit(f"archive_fixtures: {args[0]} is not installed (scripts/bootstrap.sh --test)")
    subprocess.run([tool] + args[1:], cwd=cwd, input=stdin, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def tree(files):
    """A temporary folder holding files {relative path: bytes}."""
    d = tempfile.mkdtemp(prefix="mamori-arch-")
    for name, data in files.items():
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return d


def with_tree(files, make):
    d = tree(files)
    try:
        return make(d)
    finally:
        shutil.rmtree(d)


def sevenzip(files, *options):
    def make(d):
        run(["7z", "a", "-bd", "-y", *options, "out.7z"] + sorted(files), d)
        with open(os.path.join(d, "out.7z"), "rb") as f:
            return f.read()
    return with_tree(files, make)


def tar(files, compression=""):
    """tar with the system's tar and compressor (-z gzip, -j bzip2, -J xz, --zstd)."""
    def make(d):
        args = ["tar", "--format=gnu", "-cf", "out.tar"] + ([compression] if compression else []) + sorted(files)
        run(args, d)
        with open(os.path.join(d, "out.tar"), "rb") as f:
            return f.read()
    return with_tree(files, make)


def compress(tool, data):
    return subprocess.run([shutil.which(tool) or tool, "-c"], input=data, check=True, stdout=subprocess.PIPE).stdout


def cpio(files):
    def make(d):
        names = "\n".join(sorted(files)).encode() + b"\n"
        out = subprocess.run([shutil.which("cpio") or "cpio", "-o", "-H", "newc", "--quiet"], cwd=d, input=names,
                             check=True, stdout=subprocess.PIPE).stdout
        return out
    return with_tree(files, make)


def iso(files):
    def make(d):
        src = os.path.join(d, "src")
        os.makedirs(src)
        for name in files:
            os.makedirs(os.path.join(src, os.path.dirname(name)), exist_ok=True)
            os.rename(os.path.join(d, name), os.path.join(src, name))
        run(["genisoimage", "-quiet", "-J", "-R", "-input-charset", "utf-8", "-o", "out.iso", "src"], d)
        with open(os.path.join(d, "out.iso"), "rb") as f:
            return f.read()
    return with_tree(files, make)


def zip64(members):
    """A zip whose directory uses the zip64 records (as archives past 4 GiB or 65535 members do):
    zipfile's thresholds lowered to zero for the time of the write."""
    saved = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 0, 0
    try:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members:
                z.writestr(name, data)
        return buf.getvalue()
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = saved


def vint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def rar5_block(body):
    """A RAR5 header block: CRC32 of (size + body), size as vint, body."""
    size = vint(len(body))
    return struct.pack("<I", zlib.crc32(size + body) & 0xFFFFFFFF) + size + body


def rar5(members):
    """A RAR5 archive with stored (method 0) members, per the RAR 5.0 archive format description."""
    out = bytearray(b"Rar!\x1a\x07\x01\x00")
    out += rar5_block(vint(1) + vint(0) + vint(0))  # main header: type 1, no flags, archive flags 0
    for name, data in members:
        encoded = name.encode("utf-8")
        file_fields = (vint(0x0004)  # file flags: data CRC32 present
                       + vint(len(data)) + vint(0o100644)  # unpacked size, attributes (st_mode on Unix)
                       + struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)
                       + vint(0)  # compression: version 0, not solid, method 0 (store), smallest dictionary
                       + vint(1)  # host OS: Unix
                       + vint(len(encoded)) + encoded)
        out += rar5_block(vint(2) + vint(0x0002) + vint(len(data)) + file_fields)  # type 2, data area present
        out += data
    out += rar5_block(vint(5) + vint(0) + vint(0))  # end of archive
    return bytes(out)


def build(out, write, docx, xlsx, cards):
    secret = f"この資料は{MARK}です。\n".encode("cp932")
    clean = "会議の議事録です。\n".encode("cp932")
    plan = docx([["計画 ", MARK]])
    sheet = xlsx(["顧客カード"] + cards)

    write(out, "archive/docs.7z", sevenzip({"dir/secret.txt": secret, "plan.docx": plan}))
    write(out, "archive/clean.7z", sevenzip({"minutes.txt": clean}))
    write(out, "archive/encrypted.7z", sevenzip({"secret.txt": secret}, "-pSECRET"))
    write(out, "archive/encrypted_names.7z", sevenzip({"secret.txt": secret}, "-pSECRET", "-mhe=on"))
    write(out, "archive/bomb.7z", sevenzip({"zeros.bin": bytes(20 << 20)}))
    inner_zip = io.BytesIO()
    with zipfile.ZipFile(inner_zip, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sheet.xlsx", sheet)
    write(out, "archive/outer.7z", sevenzip({"dir/inner.zip": inner_zip.getvalue()}))
    whole = sevenzip({"secret.txt": secret})
    write(out, "archive/truncated.7z", whole[: len(whole) // 2])
    write(out, "archive/garbage.7z", b"7z\xbc\xaf\x27\x1c" + bytes(range(256)) * 4)

    write(out, "archive/backup.tar", tar({"docs/plan.docx": plan, "docs/minutes.txt": clean}))
    write(out, "archive/backup.tar.gz", tar({"docs/plan.docx": plan}, "-z"))
    write(out, "archive/cards.tar.xz", tar({"cards.xlsx": sheet}, "-J"))
    write(out, "archive/notes.tar.bz2", tar({"notes.txt": secret}, "-j"))
    write(out, "archive/notes.tar.zst", tar({"notes.txt": secret}, "--zstd"))
    write(out, "archive/clean.tar.xz", tar({"minutes.txt": clean}, "-J"))
    write(out, "archive/memo.txt.xz", compress("xz", f"memo {MARK}\n".encode("euc_jp")))
    whole = tar({"notes.txt": secret * 4000}, "-J")
    write(out, "archive/truncated.tar.xz", whole[: len(whole) // 2])
    deep = tar({"deep.txt": f"deep {MARK}".encode()})
    for level in range(1, 5):
        deep = tar({f"level{level}.tar": deep})
    write(out, "archive/deep.tar", deep)

    write(out, "archive/files.cpio", cpio({"etc/secret.txt": secret, "etc/minutes.txt": clean}))
    write(out, "archive/image.iso", iso({"資料/plan.docx": plan, "readme.txt": clean}))
    write(out, "archive/clean.iso", iso({"readme.txt": clean}))
    write(out, "archive/large.zip", zip64([("sheet.xlsx", sheet), ("readme.txt", clean)]))
    write(out, "archive/docs.rar", rar5([("docs/secret.txt", secret), ("minutes.txt", clean)]))
    write(out, "archive/clean.rar", rar5([("minutes.txt", clean)]))


EXPECTED = {
    "archive/docs.7z": ([MARK_JA], []),
    "archive/clean.7z": ([], []),
    "archive/encrypted.7z": ([], ["encrypted"]),
    "archive/encrypted_names.7z": ([], ["encrypted"]),
    "archive/bomb.7z": ([], ["archive bomb"]),
    "archive/outer.7z": (["credit_card"], []),
    "archive/truncated.7z": ([], ["corrupt 7-Zip"]),
    "archive/garbage.7z": ([], ["corrupt"]),
    "archive/backup.tar": ([MARK_JA], []),
    "archive/backup.tar.gz": ([MARK_JA], []),
    "archive/cards.tar.xz": (["credit_card"], []),
    "archive/notes.tar.bz2": ([MARK_JA], []),
    "archive/notes.tar.zst": ([MARK_JA], []),
    "archive/clean.tar.xz": ([], []),
    "archive/memo.txt.xz": ([MARK_JA], []),
    "archive/truncated.tar.xz": ([], ["corrupt"]),
    "archive/deep.tar": ([], ["max_depth"]),
    "archive/files.cpio": ([MARK_JA], []),
    "archive/image.iso": ([MARK_JA], []),
    "archive/clean.iso": ([], []),
    "archive/large.zip": (["credit_card"], []),
    "archive/docs.rar": ([MARK_JA], []),
    "archive/clean.rar": ([], []),
}
