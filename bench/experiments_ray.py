"""The babbling example on Ray against the local pool, with as many workers (issue 13).

``examples/babbling_arm7.toml`` (45 trials) with ``--backend local --workers N`` and with
``--backend ray --workers N`` (a Ray of N CPUs started on this machine and stopped by the
sweep): the sweeps' times (what the command prints: reading the file to writing the
report, so the Ray's start and stop are in it) and whether the rows of ``results.csv``
are the same. Each run is a fresh ``sensorimotor run`` process (``bench/experiments.py``).

    python bench/experiments_ray.py [--workers 2] [--steps N]
"""

import argparse
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from experiments import ROOT, edited, rows, sweep  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, help="steps instead of the example's")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = ROOT / "examples" / "babbling_arm7.toml"
        if args.steps:
            path = pathlib.Path(tmp, "babbling.toml")
            text = (ROOT / "examples" / "babbling_arm7.toml").read_text()
            path.write_text(edited(text, steps=f"steps = {args.steps}"))
        workers = ["--workers", str(args.workers)]
        local = sweep(path, pathlib.Path(tmp, "local"), *workers)
        on_ray = sweep(path, pathlib.Path(tmp, "ray"), "--backend", "ray", *workers)
        same = rows(pathlib.Path(tmp, "local")) == rows(pathlib.Path(tmp, "ray"))
        n = len(rows(pathlib.Path(tmp, "local")))
        print(
            f"babbling_arm7 ({n} trials, {args.workers} workers): local pool {local:.1f}s, "
            f"Ray {on_ray:.1f}s (its start included), Ray / local {on_ray / local:.2f}; "
            f"same rows: {same}"
        )


if __name__ == "__main__":
    main()
