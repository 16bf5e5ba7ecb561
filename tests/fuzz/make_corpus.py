#!/usr/bin/env python3
"""Writes the fuzz corpora under tests/fuzz/corpus/<target>/: small valid seeds, and the crafted
inputs that once crashed or exhausted the studio ("refuse-*": each must now be refused with a
message; tst_fuzz_corpus replays them all). Standard library only, so it runs anywhere.

Run from the repository root: python3 tests/fuzz/make_corpus.py
"""
import io
import json
import os
import struct
import sys
import zipfile
import zlib

ROOT = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(ROOT, "corpus")
ASSETS = os.path.join(ROOT, "..", "..", "assets")
PART = b"\n@@PART@@\n"  # FuzzTargets.h kPartSeparator


def put(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


def npy(descr, shape, payload):
    shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    unpadded = 10 + len(header) + 1
    header += " " * ((64 - unpadded % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def f32(values):
    return struct.pack("<%df" % len(values), *values)


def npz(members, compress=False):
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name + ".npy", data)
    return buffer.getvalue()


def patch_declared_size(archive_bytes, size):
    """Rewrites a one-member zip's uncompressed size in the local and central headers."""
    data = bytearray(archive_bytes)
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, size)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def npy_text(text):
    raw = text.encode()
    return npy("|u1", (len(raw),), raw)


def seeds_and_regressions():
    # --- npy ---------------------------------------------------------------------------------
    put("npy", "seed-f4.npy", npy("<f4", (2, 3), f32([1, 2, 3, 4, 5, 6])))
    put("npy", "seed-i8.npy", npy("<i8", (2,), struct.pack("<2q", 7, -7)))
    put("npy", "seed-f2.npy", npy("<f2", (1,), struct.pack("<H", 0x3C00)))
    put("npy", "refuse-huge-shape.npy", npy("<f4", (1000000000, 1000000000), b"\0" * 16))
    put("npy", "refuse-shape-overflow.npy", npy("<f4", (2**62, 2**62), b""))

    # --- npz -----------------------------------------------------------------------------------
    good = npz({"a": npy("<f4", (3,), f32([1, 2, 3])), "b": npy("<i4", (1,), struct.pack("<i", 5))})
    put("npz", "seed-stored.npz", good)
    put("npz", "seed-deflated.npz", npz({"zeros": npy("<f4", (64,), b"\0" * 256)}, compress=True))
    # A few bytes that declare a 3.5 GB member (once allocated and zero-filled).
    put("npz", "refuse-declares-3.5GB.npz",
        patch_declared_size(npz({"x": npy("<f4", (2,), f32([1, 2]))}, compress=True), 3_500_000_000))
    corrupt = bytearray(good)
    at = corrupt.find(f32([1, 2, 3]))
    corrupt[at] ^= 0x40  # one data bit: the CRC no longer matches
    put("npz", "refuse-crc-mismatch.npz", bytes(corrupt))

    # --- PCD -----------------------------------------------------------------------------------
    def pcd(data_kind, points, width=None, height=1, body=b"", fields="x y z intensity", size="4 4 4 4",
            kind="F F F F", count="1 1 1 1"):
        width = points if width is None else width
        header = ("# .PCD v0.7\nVERSION 0.7\nFIELDS %s\nSIZE %s\nTYPE %s\nCOUNT %s\nWIDTH %s\nHEIGHT %s\n"
                  "VIEWPOINT 0 0 0 1 0 0 0\nPOINTS %s\nDATA %s\n") % (fields, size, kind, count, width, height, points, data_kind)
        return header.encode() + body

    put("pcd", "seed-ascii.pcd", pcd("ascii", 3, body=b"0 0 0 1\n1 0 0 2\n0 1 0.5 3\n"))
    put("pcd", "seed-binary.pcd", pcd("binary", 2, body=f32([0, 0, 0, 1, 1, 2, 3, 4])))
    plain = f32([0, 1, 0, 1, 0, 0, 1, 1])  # columns x x y y z z i i
    put("pcd", "seed-compressed-literal.pcd",
        pcd("binary_compressed", 2, body=struct.pack("<II", len(plain) + 1, len(plain)) + bytes([len(plain) - 1]) + plain))
    put("pcd", "refuse-points-1e12.pcd", pcd("ascii", "1e12", width="1e12", body=b"0 0 0 0\n"))
    put("pcd", "refuse-width-negative.pcd", pcd("binary", "", width=-1, body=b""))
    put("pcd", "refuse-width-overflow.pcd", pcd("binary", 0, width=2**62, height=4, body=b""))
    # points × 16 bytes wraps to 16: once a heap overflow in readScalar.
    put("pcd", "refuse-binary-size-wraps.pcd", pcd("binary", 2**60 + 1, body=f32([0, 0, 0, 1])))
    put("pcd", "refuse-compressed-size-wraps.pcd",
        pcd("binary_compressed", 2**60 + 1, body=struct.pack("<II", 17, 16) + bytes([15]) + f32([0, 0, 0, 1])))
    put("pcd", "refuse-count-huge.pcd", pcd("binary", 1, count="1 1 1 4294967297", body=f32([0, 0, 0, 1])))

    # --- PLY -----------------------------------------------------------------------------------
    def ply(fmt, vertices, body):
        return ("ply\nformat %s 1.0\nelement vertex %s\nproperty float x\nproperty float y\nproperty float z\n"
                "end_header\n" % (fmt, vertices)).encode() + body

    put("ply", "seed-ascii.ply", ply("ascii", 2, b"0 0 0\n1 2 3\n"))
    put("ply", "seed-binary.ply", ply("binary_little_endian", 1, f32([1, 2, 3])))
    put("ply", "seed-big-endian.ply", ply("binary_big_endian", 1, struct.pack(">3f", 1, 2, 3)))
    put("ply", "refuse-vertex-size-wraps.ply", ply("binary_little_endian", (2**64 // 12) + 1, f32([1, 2, 3])))
    put("ply", "refuse-vertex-count-huge.ply", ply("ascii", 10**12, b"0 0 0\n"))
    put("ply", "refuse-vertex-count-negative.ply", ply("ascii", -5, b"0 0 0\n"))

    # --- .bin (first byte picks 3 to 6 channels) --------------------------------------------------
    put("point_bin", "seed-kitti.bin", f32([1, 2, 3, 0.5, 4, 5, 6, 0.25]))
    put("point_bin", "seed-nuscenes.bin", b"\x02" + f32([1, 2, 3, 0.5, 0])[1:])

    # --- traces ----------------------------------------------------------------------------------
    with open(os.path.join(ASSETS, "traces", "sample-openai.jsonl"), "rb") as sample:
        lines = sample.read().split(b"\n")
    put("traces", "seed-openai.jsonl", b"\n".join(lines[:2]) + b"\n")
    step = {"token": "a", "logprob": -0.5, "top_logprobs": [{"token": "a", "logprob": -0.5}, {"token": "b", "logprob": -1.0}]}
    chat = {"choices": [{"logprobs": {"content": [step, dict(step, token="b")]}, "message": {"content": "ab"}}]}
    put("traces", "seed-chat.json", json.dumps(chat))
    put("traces", "refuse-number-overflow.jsonl", json.dumps(chat).replace("-0.5", "-1e400", 1))
    put("traces", "refuse-wrong-type.jsonl", json.dumps(chat).replace('"logprob": -1.0', '"logprob": "x"', 1))
    put("traces", "refuse-deep-nesting.json", "[" * 200000 + "]" * 200000)

    # --- server-sent events (a chat stream) -------------------------------------------------------
    chunk = {"object": "chat.completion.chunk", "id": "c1",
             "choices": [{"index": 0, "delta": {"content": "a"}, "logprobs": {"content": [step]}}]}
    stream = "data: %s\n\ndata: %s\n\ndata: [DONE]\n\n" % (json.dumps(chunk), json.dumps(chunk))
    put("sse", "seed-chat-stream.txt", "\x10" + stream)
    put("sse", "refuse-number-overflow.txt", "\x05" + stream.replace("-0.5", "-1e400", 1))
    put("sse", "refuse-wrong-type.txt", "\x05" + stream.replace('"content": [', '"content": 5, "x": [', 1))

    # --- Chrome trace ----------------------------------------------------------------------------
    events = [{"ph": "X", "pid": 1, "tid": 1, "name": "outer", "ts": 0, "dur": 100},
              {"ph": "X", "pid": 1, "tid": 1, "name": "inner", "ts": 10, "dur": 20},
              {"ph": "B", "pid": 1, "tid": 2, "name": "b", "ts": 5}, {"ph": "E", "pid": 1, "tid": 2, "ts": 9},
              {"ph": "C", "pid": 1, "name": "repeat total", "ts": 0, "args": {"ms": 0.1}}]
    put("chrome_trace", "seed-events.json", json.dumps({"traceEvents": events}))
    nested = [{"ph": "X", "pid": 1, "tid": 1, "name": "s", "ts": i, "dur": 100000 - 2 * i} for i in range(3000)]
    put("chrome_trace", "refuse-nesting-3000.json", json.dumps(nested))
    put("chrome_trace", "refuse-name-not-text.json", json.dumps([{"ph": "X", "name": 5, "ts": 0, "dur": 1}]))
    put("chrome_trace", "refuse-repeat-negative.json",
        json.dumps([{"ph": "X", "name": "a", "ts": 0, "dur": 1, "args": {"repeat": -7}}]))

    # --- RF dataset (gateway_info.yml, tx_pos.csv, train_index.txt, spectrum/00001.png) ----------
    rfid = os.path.join(ASSETS, "rf", "rfid-s23")
    with open(os.path.join(rfid, "gateway_info.yml"), "rb") as f:
        gateway = f.read()
    with open(os.path.join(rfid, "spectrum", "00001.png"), "rb") as f:
        png = f.read()
    put("rf_dataset", "seed-one-sample.txt", PART.join([gateway, b"x,y,z\n0.1,0.2,0.3\n", b"1\n", png]))
    put("rf_dataset", "refuse-yaml-80KB.txt",
        PART.join([b"position: [" + b"1," * 40000 + b"\norientation: [0,0,0,1]\n", b"0,0,0\n", b"1\n", png]))
    put("rf_dataset", "refuse-index-2147483648.txt", PART.join([gateway, b"0,0,0\n", b"2147483648\n", png]))
    huge_png = bytearray(png)
    struct.pack_into(">II", huge_png, 16, 1000000, 1000000)  # IHDR width, height
    struct.pack_into(">I", huge_png, 29, zlib.crc32(bytes(huge_png[12:29])))  # the chunk's CRC, so libpng reads on
    put("rf_dataset", "refuse-png-declares-1e12-pixels.txt", PART.join([gateway, b"0,0,0\n", b"1\n", bytes(huge_png)]))

    # --- multipath scene -----------------------------------------------------------------------
    with open(os.path.join(ASSETS, "rf", "scenes", "office.json"), "rb") as f:
        office = json.load(f)
    put("scene", "seed-office.json", json.dumps(office))
    overflow = json.loads(json.dumps(office))
    overflow.setdefault("transmitters", {})["count"] = [2147483647, 2147483647, 2147483647]
    put("scene", "refuse-count-overflows-long.json", json.dumps(overflow))
    fractional = json.loads(json.dumps(office))
    fractional["reflectionOrder"] = 1e30
    put("scene", "refuse-order-1e30.json", json.dumps(fractional))

    # --- sessions (s.lstudio, then the sidecar s.1.npz) -----------------------------------------
    empty_npz = b"PK\x05\x06" + b"\0" * 18
    base = {"format": "latency-studio-session", "version": 1, "name": "s", "nextRunId": 1, "runs": []}
    put("session", "seed-empty.txt", json.dumps(base))
    stage = {"path": "total", "depth": 0, "repeat": 0, "lane": "cpu", "startUs": 0, "durationUs": 5}
    latency = {"engine": "e", "device": "cpu", "startedAt": "t", "warmupRepeats": 0, "repeats": 1,
               "repeatTotalsUs": [5], "samples": [stage]}
    run = {"id": 1, "engine": "e", "datasets": [], "latency": latency}
    one_run = dict(base, sidecar="s.1.npz", runs=[run])
    put("session", "seed-one-run.txt", json.dumps(one_run).encode() + PART + empty_npz)
    with_cloud = json.loads(json.dumps(one_run))
    with_cloud["runs"][0]["datasets"] = [{"name": "c", "kind": "pointcloud", "attributes": [{"name": "h", "components": 1}]}]
    cloud = npz({"run1/d0/positions": npy("<f4", (1, 3), f32([1, 2, 3])), "run1/d0/attr_h": npy("<f4", (1, 1), f32([4]))})
    put("session", "seed-cloud.txt", json.dumps(with_cloud).encode() + PART + cloud)
    zero = json.loads(json.dumps(with_cloud))
    zero["runs"][0]["datasets"][0]["attributes"][0]["components"] = 0
    put("session", "refuse-components-0.txt",
        json.dumps(zero).encode() + PART + npz({"run1/d0/positions": npy("<f4", (1, 3), f32([1, 2, 3])),
                                                "run1/d0/attr_h": npy("<f4", (1, 0), b"")}))
    for name, sidecar in (("absolute", "/etc/hostname"), ("dotdot", "../s-canary"), ("subfolder", "a/b.npz")):
        put("session", "refuse-sidecar-%s.txt" % name, json.dumps(dict(base, sidecar=sidecar)))
    put("session", "refuse-wrong-type.txt", json.dumps(dict(base, nextRunId="three")))
    put("session", "refuse-number-1e400.txt", json.dumps(base).replace('"nextRunId": 1', '"nextRunId": 1e400'))
    deep = json.dumps(dict(base, parameterDrafts="X")).replace('"X"', "[" * 200000 + "]" * 200000)
    put("session", "refuse-deep-parameters.txt", deep)
    negative = json.loads(json.dumps(one_run))
    negative["runs"][0]["latency"]["samples"][0]["depth"] = -1
    put("session", "refuse-negative-depth.txt", json.dumps(negative).encode() + PART + empty_npz)
    put("session", "refuse-runs-not-a-list.txt", json.dumps(dict(base, runs=5)))

    # --- checkpoints -----------------------------------------------------------------------------
    meta = {"format": "latency-studio latent consistency checkpoint", "version": 1, "latent": 4, "autoencoderHidden": 8,
            "hidden": 200000, "blocks": 1, "seed": 1, "trainImages": 10, "recipe": {}}
    put("lcm_checkpoint", "refuse-hidden-200000.npz", npz({"checkpoint.json": npy_text(json.dumps(meta))}))
    put("lcm_checkpoint", "refuse-meta-number-1e400.npz",
        npz({"checkpoint.json": npy_text(json.dumps(dict(meta, hidden=8)).replace('"seed": 1', '"seed": 1e400'))}))
    put("lcm_checkpoint", "seed-meta-only.npz", npz({"checkpoint.json": npy_text(json.dumps(dict(meta, hidden=8)))}))
    put("gsparc_checkpoint", "seed-partial.npz",
        npz({"mlp_w2": npy("<f4", (1, 2, 2), f32([0.1, 0.2, 0.3, 0.4])), "step": npy("<i8", (1,), struct.pack("<q", 3))}))
    put("gsparc_checkpoint", "refuse-w2-huge-hidden.npz", npz({"mlp_w2": npy("<f4", (0, 2, 2**40), b"")}))
    put("flatformer_weights", "seed-encoder-only.npz", npz({"encoder.weight": npy("<f4", (4, 9), f32([0.01 * i for i in range(36)]))}))

    # --- serving benchmark prompt files (JSON Lines) ---------------------------------------------
    put("serving_prompts", "seed-two.jsonl", b'{"prompt": "one two three", "max_tokens": 5}\n\n{"prompt": "four", "output_tokens": 2}\n')
    put("serving_prompts", "refuse-max-tokens-0.jsonl", b'{"prompt": "x", "max_tokens": 0}\n')
    put("serving_prompts", "refuse-max-tokens-huge.jsonl", b'{"prompt": "x", "max_tokens": 1e30}\n')
    put("serving_prompts", "refuse-no-prompt.jsonl", b'{"text": "x"}\n')
    put("serving_prompts", "refuse-empty-prompt.jsonl", b'{"prompt": ""}\n')
    put("serving_prompts", "refuse-not-an-object.jsonl", b'[1, 2]\n')
    put("serving_prompts", "refuse-deep.jsonl", b'{"prompt": "x", "extra": ' + b"[" * 100000 + b"]" * 100000 + b"}\n")
    put("serving_prompts", "refuse-blank.jsonl", b"\n \n")


if __name__ == "__main__":
    seeds_and_regressions()
    print("corpus written under", os.path.relpath(CORPUS), file=sys.stderr)
