#!/usr/bin/env python3
"""Writes the bundled sample LiDAR sweep (assets/pointclouds/street-32beam.pcd) from the engine's
own synthetic scan, so the file can be remade and checked:

    latency-studio-cli run flatformer --beams 32 --azimuthSteps 1024 --seed 7 --out /tmp/scan --quiet
    scripts/make-sample-cloud.py /tmp/scan assets/pointclouds/street-32beam.pcd

PCD v0.7, DATA binary, fields x y z intensity (float32), unorganised (HEIGHT 1)."""
import sys
from pathlib import Path

import numpy as np


def main(scan_dir: str, out_path: str) -> None:
    scan = Path(scan_dir)
    xyz = np.load(scan / "points.positions.npy").astype("<f4")
    intensity = np.load(scan / "points.attr_intensity.npy").astype("<f4").reshape(-1, 1)
    points = np.hstack([xyz, intensity])
    header = (
        "# .PCD v0.7 - Point Cloud Data file format\n"
        "# Latency Studio sample: synthetic street scan, 32 beams x 1024 azimuth steps, seed 7\n"
        "VERSION 0.7\nFIELDS x y z intensity\nSIZE 4 4 4 4\nTYPE F F F F\nCOUNT 1 1 1 1\n"
        f"WIDTH {len(points)}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {len(points)}\nDATA binary\n"
    )
    with open(out_path, "wb") as out:
        out.write(header.encode("ascii"))
        out.write(points.tobytes())
    print(f"{out_path}: {len(points)} points")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
