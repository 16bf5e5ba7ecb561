#!/usr/bin/env python3
"""Merges what run.sh left in OUTDIR into gpu-report.json and gpu-report.md: the device, each
check's verdict and the error bound it met, the sanitizer's findings per check and tool, the
benchmarks, and every step's exit code and time (a step cut by its time box says so).

usage: make-report.py OUTDIR MANIFEST CUDA_LIB_DIR SANITIZER"""
import json
import os
import re
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def steps_of(out):
    rows = []
    for line in read(os.path.join(out, "steps.tsv")).splitlines()[1:]:
        name, code, seconds, limit = (line.split("\t") + ["", "", "", ""])[:4]
        rows.append({"step": name, "exit": code, "seconds": int(seconds or 0), "limit": int(limit or 0),
                     "timed_out": code in ("124", "137")})
    return rows


def sanitizer_findings(out, steps):
    """Per sanitizer run: the tool's own summary line and its first reported errors."""
    found = []
    for row in steps:
        match = re.match(r"sanitizer-(memcheck|racecheck)-(.+)", row["step"])
        if not match:
            continue
        tool, check = match.groups()
        log = read(os.path.join(out, row["step"] + ".log"))
        summary = re.findall(r"(?:ERROR|RACECHECK) SUMMARY: .*", log)
        errors = [line.strip() for line in log.splitlines() if line.startswith("========= ") and
                  re.search(r"(Invalid|Race|hazard|Error|error|leak)", line) and "SUMMARY" not in line][:10]
        clean = row["exit"] == "0"
        found.append({"check": check, "tool": tool, "exit": row["exit"], "timed_out": row["timed_out"], "skipped": row["exit"] == "skipped",
                      "clean": clean, "summary": summary[-1] if summary else "", "first_errors": errors})
    return found


def main():
    out, manifest_path, cuda_libs, sanitizer = sys.argv[1:5]
    facts = load(os.path.join(out, "facts.json"))
    checks = load(os.path.join(out, "checks.json"))
    bench = load(os.path.join(out, "bench.json"))
    steps = steps_of(out)
    findings = sanitizer_findings(out, steps)
    has_gpu = bool(facts and facts.get("cuda_devices"))
    check_rows = checks["checks"] if checks else []
    passed = (has_gpu and bool(check_rows) and all(c["passed"] for c in check_rows)
              and all(f["clean"] for f in findings) and bool(findings)
              and not any(s["timed_out"] or (s["exit"] not in ("0", "skipped")) for s in steps))
    report = {"passed": passed, "gpu": has_gpu, "bundle": load(manifest_path), "device": facts, "cuda_library_dir": cuda_libs,
              "compute_sanitizer": sanitizer or None, "steps": steps, "checks": check_rows, "sanitizer": findings,
              "benchmarks": bench["benchmarks"] if bench else None}
    if not has_gpu:
        report["no_gpu_reason"] = (facts or {}).get("no_device_reason", read(os.path.join(out, "facts.log")).strip() or "the check program did not run")
    with open(os.path.join(out, "gpu-report.json"), "w") as f:
        json.dump(report, f, indent=2)

    md = ["# GPU report", ""]
    bundle = report["bundle"] or {}
    md.append(f"Bundle: commit `{bundle.get('commit', '?')}`, built {bundle.get('built_at', '?')} for `{bundle.get('cuda_architectures', '?')}`.")
    if not has_gpu:
        md += ["", f"**No usable GPU:** {report['no_gpu_reason']}. Nothing else ran."]
    else:
        device = facts["cuda_devices"][0]
        md.append(f"Device: {device['name']} (compute {device['compute_capability']}, {device['memory_bytes'] / 2**30:.1f} GiB, "
                  f"{device['multiprocessors']} SMs); CUDA runtime {facts['cuda_runtime_version']}, driver API {facts['cuda_driver_version']}; "
                  f"host {facts['cpu']}.")
        md += ["", f"**Verdict: {'everything passed' if passed else 'FAILED'}.**", "", "## CUDA paths against their CPU twins", "",
               "| check | covers | result | comparisons | worst error / bound | closest to its bound | s |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for c in check_rows:
            verdict = "pass" if c["passed"] else "**FAIL**: " + "; ".join(([c["error"]] if c["error"] else []) + c["failures"][:3])
            md.append(f"| {c['name']} | {c['covers']} | {verdict} | {c['comparisons']} | {c['worst_error_over_bound']:.3g} | "
                      f"{c['closest_to_bound']} | {c['seconds']:.1f} |")
        if not check_rows:
            md.append("| (none ran: see checks.log) | | | | | | |")
        md += ["", "## compute-sanitizer (small sizes)", ""]
        if not sanitizer:
            md.append("compute-sanitizer was not found: no sanitizer run.")
        md += ["| check | tool | result | summary |", "| --- | --- | --- | --- |"]
        for f in findings:
            result = ("skipped (time box spent)" if f["skipped"] else "time box hit" if f["timed_out"] else
                      "clean" if f["clean"] else "**findings** (exit " + f["exit"] + "): " + " / ".join(f["first_errors"][:3]))
            md.append(f"| {f['check']} | {f['tool']} | {result} | {f['summary']} |")
        md += ["", "## Benchmarks (CUDA events, medians; CPU twin on all host cores, same input, same run)", ""]
        for name, b in (report["benchmarks"] or {}).items():
            md.append(f"### {name}: {b.get('what', '')}")
            if "error" in b:
                md += ["", f"**error:** {b['error']}", ""]
                continue
            rows = b.get("rows", [b])
            md += ["", "| case | GPU median ms | GPU min ms | kernels ms | CPU median ms | CPU ÷ GPU |", "| --- | --- | --- | --- | --- | --- |"]
            for r in rows:
                label = ", ".join(f"{k}={r[k]}" for k in ("gaussians", "frequencies", "precision", "sampler", "tokens") if k in r)
                kernels = r.get("kernel_stages_ms", {}).get("median")
                md.append(f"| {label} | {r['gpu_ms']['median']:.3f} | {r['gpu_ms']['min']:.3f} | {'' if kernels is None else f'{kernels:.3f}'} | "
                          f"{r['cpu_ms']['median']:.1f} | {r['speedup']:.1f}× |")
            if b.get("note"):
                md += ["", b["note"]]
            md.append("")
    md += ["", "## Steps", "", "| step | exit | s | limit s |", "| --- | --- | --- | --- |"]
    for s in steps:
        md.append(f"| {s['step']} | {s['exit']}{' (time box hit)' if s['timed_out'] else ''} | {s['seconds']} | {s['limit']} |")
    with open(os.path.join(out, "gpu-report.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
