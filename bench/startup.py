"""Time from process start to the first painted screen, beside a one-Label Textual app.

    python bench/startup.py --runs 10 --wait-for "PIN" -- .venv/bin/deskapp --db sqlite:///tmp/x.db

Both commands run in a real pty (tests/e2e/terminal.py), interleaved so that
machine noise lands on both alike. The figure includes the harness's own pyte
parsing of the output (about 10-20 ms for a first frame), equally for both. Without a command after "--" the target is
`python -m deskapp` waiting for "PIN".
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.terminal import Terminal

BASELINE_TEXT = "BASELINE READY"
BASELINE_APP = textwrap.dedent(
    f"""
    from textual.app import App
    from textual.widgets import Label


    class Baseline(App):
        def compose(self):
            yield Label({BASELINE_TEXT!r})


    if __name__ == "__main__":
        Baseline().run()
    """
)


def time_to_screen(argv: list[str], text: str, timeout: float) -> float:
    """Milliseconds from spawning argv in a pty to text appearing on its screen."""
    with Terminal(argv) as term:
        term.wait_for(text, timeout=timeout)
        return (time.perf_counter() - term.started_at) * 1000


def p90(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=10, method="inclusive")[-1]


def measure(target: list[str], wait_for: str, runs: int, timeout: float,
            others: tuple[list[str], ...] = ()) -> tuple[list[float], ...]:
    """Startup samples (ms) for the baseline app, the target and any other commands, interleaved."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        baseline_script = Path(tmp) / "baseline_app.py"
        baseline_script.write_text(BASELINE_APP)
        baseline = [sys.executable, str(baseline_script)]

        commands = [(baseline, BASELINE_TEXT), (target, wait_for), *((other, wait_for) for other in others)]
        # One unmeasured run of each warms the OS file cache and .pyc files.
        for argv, text in commands:
            time_to_screen(argv, text, timeout)

        samples: list[list[float]] = [[] for _ in commands]
        for run in range(runs):
            # Alternate the order, so none always follows the same other's teardown.
            order = list(range(len(commands))) if run % 2 == 0 else list(reversed(range(len(commands))))
            for i in order:
                argv, text = commands[i]
                samples[i].append(time_to_screen(argv, text, timeout))
    return tuple(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (default 10)")
    parser.add_argument("--wait-for", default="PIN", help='text that marks the target\'s first screen (default "PIN")')
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one screen")
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON to FILE")
    parser.add_argument("--also", action="append", default=[], metavar="CMD",
                        help="another command to time in the same run (e.g. an earlier version), repeatable")
    parser.add_argument("target", nargs="*", help="target command, after --")
    args = parser.parse_args()
    target = args.target or [sys.executable, "-m", "deskapp"]
    others = tuple(shlex.split(cmd) for cmd in args.also)

    try:
        baseline_ms, target_ms, *others_ms = measure(target, args.wait_for, args.runs, args.timeout, others)
    except AssertionError as failure:  # a screen never showed: the message holds the screen
        print(f"startup: {failure}", file=sys.stderr)
        return 1

    baseline_median = statistics.median(baseline_ms)
    target_median = statistics.median(target_ms)
    ratio = target_median / baseline_median

    print(f"startup: first painted screen, {args.runs} runs each, interleaved")
    print(f"{'':10} {'median ms':>10} {'p90 ms':>10}")
    print(f"{'baseline':10} {baseline_median:10.1f} {p90(baseline_ms):10.1f}   one-Label Textual app")
    print(f"{'target':10} {target_median:10.1f} {p90(target_ms):10.1f}   {' '.join(target)}")
    for other, samples in zip(others, others_ms):
        print(f"{'also':10} {statistics.median(samples):10.1f} {p90(samples):10.1f}   {' '.join(other)}"
              f"   ratio {statistics.median(samples) / baseline_median:.2f}")
    print(f"ratio target/baseline: {ratio:.2f}")

    if args.json:
        result = {
            "name": "startup",
            "baseline_ms": round(baseline_median, 1),
            "value_ms": round(target_median, 1),
            "ratio": round(ratio, 3),
            "runs": args.runs,
            "also": [{"command": " ".join(other), "value_ms": round(statistics.median(samples), 1),
                      "ratio": round(statistics.median(samples) / baseline_median, 3)}
                     for other, samples in zip(others, others_ms)],
        }
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
