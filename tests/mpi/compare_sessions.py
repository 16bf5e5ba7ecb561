#!/usr/bin/env python3
"""Two sweep sessions hold the same runs: the same labels, engines, parameters and datasets, and
the same arrays bit for bit (the runs are seeded). Latency, devices and ranks may differ, so the
summary run is compared by its table's non-timing columns and its dataset names only.

usage: compare_sessions.py A.lstudio B.lstudio"""
import json
import os
import sys
import zipfile

from verdict import finish

TIMING_COLUMNS = {"median ms", "p90 ms", "rank", "seconds", "ran on"}


def load(path):
    with open(path) as f:
        document = json.load(f)
    sidecar = zipfile.ZipFile(os.path.join(os.path.dirname(path) or ".", document["sidecar"]))
    return document, sidecar


def main():
    (a, za), (b, zb) = load(sys.argv[1]), load(sys.argv[2])
    problems = []
    if len(a["runs"]) != len(b["runs"]):
        problems.append(f"{len(a['runs'])} runs against {len(b['runs'])}")
    summary_ids = set()
    for ra, rb in zip(a["runs"], b["runs"]):
        for key in ("label", "engine", "parameters", "id"):
            if key in ("label", "parameters") and ra["engine"] == "latency-studio.sweep":
                continue  # they name the rank count
            if ra.get(key) != rb.get(key):
                problems.append(f"run {ra['id']}: {key} {ra.get(key)!r} against {rb.get(key)!r}")
        if ra["engine"] == "latency-studio.sweep":
            summary_ids.add(ra["id"])
            if [d["name"] for d in ra["datasets"]] != [d["name"] for d in rb["datasets"]]:
                problems.append("summary datasets differ")
            ta, tb = ra["datasets"][0], rb["datasets"][0]
            keep = [i for i, c in enumerate(ta["columns"]) if c not in TIMING_COLUMNS]
            if [[row[i] for i in keep] for row in ta["rows"]] != [[row[i] for i in keep] for row in tb["rows"]]:
                problems.append("summary table differs outside its timing columns")
        elif ra["datasets"] != rb["datasets"]:
            problems.append(f"run {ra['id']}: dataset descriptors differ")
    members = 0
    for name in sorted(set(za.namelist()) | set(zb.namelist())):
        if name.split("/")[0] in {f"run{i}" for i in summary_ids}:
            continue
        if name not in za.namelist() or name not in zb.namelist():
            problems.append(f"array {name} is in one session only")
        elif za.read(name) != zb.read(name):
            problems.append(f"array {name} differs")
        members += 1
    finish("compare_sessions", f"{len(a['runs'])} runs, {members} arrays compared", problems)


if __name__ == "__main__":
    main()
