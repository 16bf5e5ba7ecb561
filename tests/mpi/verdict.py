"""How the comparison scripts end: a summary line, each problem on stderr, exit 1 when any."""
import sys


def finish(tool, summary, problems):
    print(f"{tool}: {summary}")
    for problem in problems:
        print(f"{tool}: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)
