#!/usr/bin/env python3
"""Compares two .npz files array by array without NumPy (CI may not have it): every member must be
in both with the same shape and dtype; float arrays must agree norm-wise within --relative (0:
bit for bit), others exactly. Prints the worst relative difference; exit 1 when a bound fails.

usage: compare_npz.py A.npz B.npz [--relative R] [--ignore NAME ...]"""
import argparse
import ast
import math
import struct
import zipfile

from verdict import finish


def arrays(path):
    out = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if data[:6] != b"\x93NUMPY":
                raise SystemExit(f"{path}: member {name} is not a .npy array")
            major = data[6]
            header_length = struct.unpack("<H" if major == 1 else "<I", data[8:10] if major == 1 else data[8:12])[0]
            start = 10 if major == 1 else 12
            header = ast.literal_eval(data[start:start + header_length].decode("latin1"))
            out[name[:-4] if name.endswith(".npy") else name] = (header["descr"], tuple(header["shape"]), data[start + header_length:])
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--relative", type=float, default=0.0)
    parser.add_argument("--ignore", nargs="*", default=[])
    args = parser.parse_args()
    a, b = arrays(args.a), arrays(args.b)
    failures, worst = [], 0.0
    for name in sorted(set(a) | set(b)):
        if name in args.ignore:
            continue
        if name not in a or name not in b:
            failures.append(f"{name}: only in {'the first' if name in a else 'the second'}")
            continue
        (da, sa, ba), (db, sb, bb) = a[name], b[name]
        if da != db or sa != sb:
            failures.append(f"{name}: {da}{sa} against {db}{sb}")
            continue
        if ba == bb:
            continue
        if da not in ("<f4", "<f8") or args.relative == 0:
            failures.append(f"{name}: differs")
            continue
        fmt = "f" if da == "<f4" else "d"
        xa = struct.unpack(f"<{len(ba) // struct.calcsize(fmt)}{fmt}", ba)
        xb = struct.unpack(f"<{len(bb) // struct.calcsize(fmt)}{fmt}", bb)
        difference = math.sqrt(sum((p - q) ** 2 for p, q in zip(xa, xb)))
        norm = math.sqrt(sum(p * p for p in xa)) or 1.0
        worst = max(worst, difference / norm)
        if difference > args.relative * norm:
            failures.append(f"{name}: |a - b| / |a| = {difference / norm:.3g} > {args.relative}")
    finish("compare_npz", f"{len(a)} arrays, worst norm-wise relative difference {worst:.3g}", failures)


if __name__ == "__main__":
    main()
