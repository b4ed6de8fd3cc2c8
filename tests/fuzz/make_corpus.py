#!/usr/bin/env python3
"""Regenerates the codec fuzz seed corpus in tests/fuzz/corpus/.

Seeds are small pieces cut from the real media in shared/media (avcC/hvcC
boxes, AudioSpecificConfigs, SPS NAL units, access-unit heads, the WAVE fmt
chunk) plus hand-made edge cases. Files named regress_* are inputs that
once crashed a target; they are kept as they are. Whole media files are never copied, and
the corpus stays well under 200 KB.

Usage: tests/fuzz/make_corpus.py [SHARED_DIR]   (default: ../shared beside
the repository). Deterministic: the same media gives the same corpus.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
AU_HEAD_BYTES = 160  # keep this much of each slice NAL unit


def boxes(data, start, end):
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def descriptor(data, pos):
    tag = data[pos]
    pos += 1
    size = 0
    for _ in range(4):
        b = data[pos]
        pos += 1
        size = (size << 7) | (b & 0x7F)
        if not b & 0x80:
            break
    return tag, pos, size


def asc_from_esds(data, pos):
    pos += 4
    tag, pos, _ = descriptor(data, pos)
    assert tag == 3
    flags = data[pos + 2]
    pos += 3
    if flags & 0x80:
        pos += 2
    if flags & 0x40:
        pos += 1 + data[pos]
    if flags & 0x20:
        pos += 2
    tag, pos, _ = descriptor(data, pos)
    assert tag == 4
    tag, pos, size = descriptor(data, pos + 13)
    assert tag == 5
    return data[pos:pos + size]


def sample_configs(data):
    """Yields (entry type, config box type, config bytes) per track."""
    found = []

    def walk(start, end):
        for kind, payload, box_end in boxes(data, start, end):
            if kind in CONTAINERS:
                walk(payload, box_end)
            elif kind == b"stsd":
                for entry, epay, eend in boxes(data, payload + 8, box_end):
                    skip = 28 if entry == b"mp4a" else 78
                    if entry == b"mp4a":
                        version = struct.unpack(">H", data[epay + 8:epay + 10])[0]
                        skip += {1: 16, 2: 36}.get(version, 0)
                    for child, cpay, cend in boxes(data, epay + skip, eend):
                        if child in (b"avcC", b"hvcC"):
                            found.append((entry, child, data[cpay:cend]))
                        elif child == b"esds":
                            found.append((entry, child, asc_from_esds(data, cpay)))
                    break

    walk(0, len(data))
    return found


def avcc_parameter_sets(avcc):
    n = avcc[5] & 0x1F
    pos, sps = 6, []
    for _ in range(n):
        size = struct.unpack(">H", avcc[pos:pos + 2])[0]
        sps.append(avcc[pos + 2:pos + 2 + size])
        pos += 2 + size
    pps = []
    for _ in range(avcc[pos]):
        size = struct.unpack(">H", avcc[pos + 1:pos + 3])[0]
        pps.append(avcc[pos + 3:pos + 3 + size])
        pos += 2 + size
    return sps, pps


def hvcc_parameter_sets(hvcc):
    pos, units = 23, []
    for _ in range(hvcc[22]):
        count = struct.unpack(">H", hvcc[pos + 1:pos + 3])[0]
        pos += 3
        for _ in range(count):
            size = struct.unpack(">H", hvcc[pos:pos + 2])[0]
            units.append(hvcc[pos + 2:pos + 2 + size])
            pos += 2 + size
    return units


def annexb_nals(data):
    starts, i = [], 0
    while True:
        i = data.find(b"\x00\x00\x01", i)
        if i < 0:
            break
        starts.append(i + 3)
        i += 3
    out = []
    for k, s in enumerate(starts):
        e = starts[k + 1] - 3 if k + 1 < len(starts) else len(data)
        out.append(data[s:e].rstrip(b"\x00"))
    return out


def au_head(nals, is_slice, framing):
    """An access unit of `nals` with slices cut short, framed as asked."""
    out = b""
    for nal in nals:
        if is_slice(nal):
            nal = nal[:AU_HEAD_BYTES]
        if framing == 0:
            out += b"\x00\x00\x00\x01" + nal
        else:
            out += len(nal).to_bytes(framing, "big") + nal
    return out


class Corpus:
    def __init__(self):
        # Inputs that once crashed a target are kept as regress_* seeds;
        # everything else is regenerated.
        for folder, _, files in os.walk(CORPUS):
            for name in files:
                if not name.startswith("regress_"):
                    os.remove(os.path.join(folder, name))
        self.seen = set()

    def add(self, target, name, data):
        if (target, data) in self.seen:
            return
        self.seen.add((target, data))
        folder = os.path.join(CORPUS, target)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def add_mp4_seeds(corpus, media):
    for name in sorted(os.listdir(media)):
        if not name.endswith(".mp4"):
            continue
        with open(os.path.join(media, name), "rb") as f:
            data = f.read()
        stem = name[:-4]
        for i, (entry, box, config) in enumerate(sample_configs(data)):
            tag = f"{stem}_{i}"
            if box == b"avcC":
                corpus.add("avcc", tag, config)
                sps, _ = avcc_parameter_sets(config)
                for k, unit in enumerate(sps):
                    corpus.add("h264_sps", f"{tag}_{k}", unit[1:])
            elif box == b"hvcC":
                corpus.add("hvcc", tag, config)
                for k, unit in enumerate(hvcc_parameter_sets(config)):
                    if (unit[0] >> 1) & 0x3F == 33:
                        corpus.add("h265_sps", f"{tag}_{k}", unit[2:])
            elif box == b"esds":
                corpus.add("asc", tag, config)


def add_flv_seeds(corpus, media):
    """The AVC and AAC sequence headers of the FLV files (FLV spec E.4)."""
    for name in sorted(os.listdir(media)):
        if not name.endswith(".flv"):
            continue
        with open(os.path.join(media, name), "rb") as f:
            data = f.read(65536)
        pos = struct.unpack(">I", data[5:9])[0] + 4
        while pos + 11 <= len(data):
            kind = data[pos] & 0x1F
            size = int.from_bytes(data[pos + 1:pos + 4], "big")
            body = data[pos + 11:pos + 11 + size]
            if kind == 9 and len(body) > 5 and body[0] & 0x0F == 7 and body[1] == 0:
                corpus.add("avcc", name[:-4], body[5:])
            if kind == 8 and len(body) > 2 and body[0] >> 4 == 10 and body[1] == 0:
                corpus.add("asc", name[:-4], body[2:])
            pos += 11 + size + 4


def add_annexb_seeds(corpus, media):
    with open(os.path.join(media, "kvs_h264_high_640x480_25fps_nob.h264"), "rb") as f:
        h264 = f.read(119387)  # frame 1: AUD SPS PPS SEI IDR
    nals = annexb_nals(h264)
    h264_slice = lambda n: 1 <= (n[0] & 0x1F) <= 5 or (n[0] & 0x1F) == 6
    for framing, selector in ((0, 0), (1, 2), (2, 4), (4, 6)):
        if framing == 1:
            continue  # the SEI is longer than 255 bytes
        corpus.add("inband", f"h264_framing{framing}",
                   bytes([selector]) + au_head(nals, h264_slice, framing))
    corpus.add("h264_sps", "kvs_h264", [n for n in nals if n[0] & 0x1F == 7][0][1:])
    with open(os.path.join(media, "kvs_h265_main_640x360_25fps_nob.h265"), "rb") as f:
        h265 = f.read(30920)  # frame 1: VPS SPS PPS IDR
    nals = annexb_nals(h265)
    h265_slice = lambda n: (n[0] >> 1) & 0x3F < 32
    for framing, selector in ((0, 1), (2, 5), (4, 7)):
        corpus.add("inband", f"h265_framing{framing}",
                   bytes([selector]) + au_head(nals, h265_slice, framing))
    corpus.add("h265_sps", "kvs_h265",
               [n for n in nals if (n[0] >> 1) & 0x3F == 33][0][2:])


def add_wave_seeds(corpus, media):
    with open(os.path.join(media, "kvs_g711a_8k_mono.wav"), "rb") as f:
        wav = f.read(64)
    fmt = wav.find(b"fmt ")
    size = struct.unpack("<I", wav[fmt + 4:fmt + 8])[0]
    corpus.add("wave", "kvs_g711a_fmt", wav[fmt + 8:fmt + 8 + size])
    corpus.add("wave", "mulaw_16k_stereo",
               struct.pack("<HHIIHHH", 7, 2, 16000, 32000, 2, 8, 0))
    corpus.add("wave", "cbsize_overrun",
               struct.pack("<HHIIHHH", 6, 1, 8000, 8000, 1, 8, 4) + b"\x00\x00")


def bits(*fields):
    """Packs (width, value) pairs MSB-first, zero-padded to whole bytes."""
    acc, n = 0, 0
    for width, value in fields:
        acc = (acc << width) | (value & ((1 << width) - 1))
        n += width
    pad = -n % 8
    return (acc << pad).to_bytes((n + pad) // 8, "big")


def add_hand_made_seeds(corpus):
    lc24k = [(5, 2), (4, 6)]  # AAC LC, 24000 Hz core
    ga = [(3, 0)]             # GASpecificConfig flags
    sbr_ext = [(11, 0x2B7), (5, 5), (1, 1), (4, 3)]  # SBR at 48000 Hz
    asc = {
        "lc_48k_stereo": bits((5, 2), (4, 3), (4, 2), *ga),
        "lc_44k_mono": bits((5, 2), (4, 4), (4, 1), *ga),
        "he_aac_hierarchical": bits((5, 5), (4, 7), (4, 2), (4, 4), (5, 2), *ga),
        "he_aac_v2_hierarchical": bits((5, 29), (4, 6), (4, 1), (4, 3), (5, 2), *ga),
        "lc_sync_ext_sbr": bits(*lc24k, (4, 2), *ga, *sbr_ext),
        "lc_sync_ext_sbr_ps": bits(*lc24k, (4, 1), *ga, *sbr_ext, (11, 0x548), (1, 1)),
        "explicit_rate": bits((5, 2), (4, 15), (24, 50000), (4, 2), *ga),
        "escape_aot": bits((5, 31), (6, 4), (4, 3), (4, 1), (8, 0)),
        # 5.1 PCE: front SCE + CPE, back CPE, LFE; then a 2-byte comment.
        "pce_5_1": bits((5, 2), (4, 3), (4, 0), *ga, (4, 0), (2, 1), (4, 3),
                        (4, 2), (4, 0), (4, 1), (2, 1), (3, 0), (4, 0),
                        (3, 0), (1, 0), (4, 0), (1, 1), (4, 1), (1, 1),
                        (4, 2), (4, 0), (2, 0)) + bytes([2]) + b"hi",
        "er_lc_epconfig2": bits((5, 17), (4, 3), (4, 2), *ga, (2, 2)),
        "reserved_index": bits((5, 2), (4, 13), (4, 2), *ga),
    }
    for name, data in asc.items():
        corpus.add("asc", name, data)
    corpus.add("avcc", "version0", bytes.fromhex("00640028fee1000467640028"))
    corpus.add("avcc", "length_size_3", bytes.fromhex("01640028fee1"))
    corpus.add("avcc", "oversize_count", bytes.fromhex("01640028ffffffff"))
    corpus.add("hvcc", "header_only", bytes.fromhex("01" + "00" * 21 + "00"))
    corpus.add("inband", "empty_annexb", bytes([0]) + b"\x00\x00\x01")


def main():
    root = os.path.dirname(os.path.dirname(HERE))
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared")
    media = os.path.join(shared, "media")
    corpus = Corpus()
    add_mp4_seeds(corpus, media)
    add_flv_seeds(corpus, media)
    add_annexb_seeds(corpus, media)
    add_wave_seeds(corpus, media)
    add_hand_made_seeds(corpus)
    total = sum(os.path.getsize(os.path.join(d, f))
                for d, _, files in os.walk(CORPUS) for f in files)
    print(f"{len(corpus.seen)} seeds, {total} bytes in {CORPUS}")


if __name__ == "__main__":
    main()
