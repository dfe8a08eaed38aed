"""The ``bitbox-stats`` command line: a thin shell over the public functions."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from . import __version__
from .expressions import expressivity
from .simulate import simulate_signals


class UserError(Exception):
    """A problem with the user's input: reported in one line, exit code 2."""


def _demo(args) -> int:
    signals = simulate_signals(args.signals, seconds=args.seconds, fps=args.fps, seed=args.seed)
    table = expressivity(signals, scales=args.scales, fps=args.fps, tidy=True)
    with pd.option_context("display.width", 120, "display.max_rows", 200):
        print(f"Expressivity of {args.signals} simulated signals ({args.seconds:g} s at {args.fps:g} fps, "
              f"seed {args.seed}):")
        print(table.drop(columns=["n_frames", "n_missing"]).round(4).to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bitbox-stats",
        description="Statistics for facial-expressiveness research.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the package on built-in simulated data")
    demo.add_argument("--signals", type=int, default=5, help="number of simulated signals (default 5)")
    demo.add_argument("--seconds", type=float, default=120.0, help="length in seconds (default 120)")
    demo.add_argument("--fps", type=float, default=30.0, help="frame rate (default 30)")
    demo.add_argument("--scales", type=int, default=6, help="number of temporal scales (default 6)")
    demo.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    demo.set_defaults(func=_demo)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UserError, ValueError, TypeError, FileNotFoundError) as err:
        print(f"bitbox-stats {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
