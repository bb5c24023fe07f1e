#!/usr/bin/env python3
"""Make the seed corpus of fuzz_record (tests/fuzz/corpus/record/): real recordings of short
workloads (root: pvtrace record), some stored again with every chunk uncompressed (the same
content; the payloads' bytes then in reach of the fuzzer's mutations), and broken ones (cut
short, a flipped byte, another version, not a recording, a journal record that lies about its
size under a right checksum).  ok-* must be accepted, bad-* refused (tests/fuzz/replay.c).

    sudo python3 tests/fuzz/record_seeds.py      (from the top of the tree, after make)
"""
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus", "record")
PVTRACE = os.path.join(ROOT, "pvtrace")
BIN = os.path.join(ROOT, ".output")
HDR, CHUNK = 16, 32


def record(args, cmd):
    fd, path = tempfile.mkstemp(suffix=".data")
    os.close(fd)
    subprocess.run([PVTRACE, "record", "--no-status", "--force", "-o", path, *args,
                    *(["--", *cmd] if cmd else [])], check=True, capture_output=True)
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    return data


def chunks(data):
    """[(header fields, payload as stored)] of a whole recording."""
    out, off = [], HDR
    while off < len(data):
        h = list(struct.unpack_from("<8I", data, off))
        out.append((h, data[off + CHUNK:off + CHUNK + h[5]]))
        off += CHUNK + h[5]
    return out


def pack(data, cs):
    """A file from its header and chunks, each chunk's checksum made right."""
    b = bytearray(data[:HDR])
    for h, p in cs:
        h = list(h)
        h[5], h[6] = len(p), 0
        h[6] = zlib.crc32(p, zlib.crc32(struct.pack("<8I", *h)))
        b += struct.pack("<8I", *h) + p
    return bytes(b)


def uncompressed(data):
    cs = []
    for h, p in chunks(data):
        if h[7] & 1:
            p = zlib.decompress(p)
            h = h[:7] + [h[7] & ~1]
        cs.append((h, p))
    return pack(data, cs)


def lying_ring_record(data):
    """The first ring-buffer record of the (uncompressed) journal says it is longer than it is."""
    cs = chunks(uncompressed(data))
    for i, (h, p) in enumerate(cs):
        if h[1] != 3:
            continue
        off = 0
        while off < len(p):
            kind, ln = struct.unpack_from("<2I", p, off)
            if kind == 1:
                p = p[:off + 8] + struct.pack("<H", ln + 1) + p[off + 10:]
                cs[i] = (h, p)
                return pack(data, cs)
            off += 8 + ln
    raise SystemExit("no ring-buffer record")


def main():
    if os.geteuid() != 0:
        raise SystemExit("needs root (pvtrace record)")
    os.makedirs(OUT, exist_ok=True)
    pp = [os.path.join(BIN, "pvload"), "pingpong", "--rounds", "40", "--pin", "0", "--quiet"]
    seeds = {
        "ok-true": record([], ["true"]),
        "ok-sh-exec": record([], ["sh", "-c", "/bin/true; exec /bin/true"]),
        "ok-pingpong-threads": record([], pp + ["--threads"]),
        "ok-pingpong-procs": record([], pp + ["--procs"]),
        "ok-churn": record(["--bpf-stats"], [os.path.join(BIN, "pvload"), "churn", "--threads=3", "--procs=3",
                                "--quiet"]),
        "ok-crash": record([], [os.path.join(BIN, "crash"), "kill"]),
        "ok-memory": record(["--interval", "10"], ["sh", "-c", "sleep 0.05"]),
    }
    sleeper = subprocess.Popen(["sh", "-c", "while :; do sleep 0.01; done"])
    try:
        time.sleep(0.1)
        seeds["ok-attach"] = record(["-p", str(sleeper.pid), "-d", "0.1"], [])
    finally:
        sleeper.kill()
        sleeper.wait()
    for name in ("ok-true", "ok-pingpong-threads", "ok-crash", "ok-memory"):
        seeds[name.replace("ok-", "ok-raw-")] = uncompressed(seeds[name])
    good = seeds["ok-pingpong-procs"]
    mid = len(good) // 2
    seeds["bad-truncated"] = good[:mid]
    seeds["bad-checksum"] = good[:mid] + bytes([good[mid] ^ 0x40]) + good[mid + 1:]
    seeds["bad-version"] = good[:8] + struct.pack("<I", 2) + good[12:]
    seeds["bad-foreign"] = b"root:x:0:0:root:/root:/bin/bash\n"
    seeds["bad-no-end"] = good[:-(CHUNK + 32)]
    seeds["bad-raw-ring-size"] = lying_ring_record(seeds["ok-true"])
    for name, data in sorted(seeds.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print("%-24s %6d bytes" % (name, len(data)))


if __name__ == "__main__":
    sys.exit(main())
