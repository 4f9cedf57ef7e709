"""Sweeps from experiment files at scale (issue 13, acceptance 4).

* ``examples/babbling_arm7.toml`` (45 trials) with ``--workers 1`` and ``--workers 2``:
  the speed-up (target: at least 1.6x on 2 cores) and whether the rows of ``results.csv``
  are the same;
* ``examples/sutton1992_lms.toml`` (8 step sizes x 30 seeds, one compiled sweep) against
  one of its trials alone (one step size, one seed: its compile plus run); target: the 240
  trials in at most 3x that time.

Each run is a fresh ``sensorimotor run`` process; the time is the sweep's own (what the
command prints: reading the file to writing the report), so the interpreter's start is
left out of both sides of each ratio. BLAS is single-threaded in every process.

    python bench/experiments.py [--only babbling|sutton] [--steps N]
"""

import argparse
import csv
import os
import pathlib
import re
import resource
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT / "src"),
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


CPU = {}  # out folder -> CPU seconds of the run's processes (user + system)


def sweep(path, out, *extra) -> float:
    cmd = [sys.executable, "-m", "sensorimotor", "run", str(path), "--out", str(out), "--quiet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([*cmd, *extra], env=ENV, capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[str(out)] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return float(re.search(r" in ([0-9.]+)s on ", done.stdout).group(1))


def rows(out) -> list:
    with open(os.path.join(out, "results.csv"), newline="") as f:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(f)]


def edited(text: str, **lines) -> str:
    for key, line in lines.items():
        text = re.sub(rf"(?m)^{re.escape(key)} = .*$", line, text)
    return text


def babbling(tmp, steps):
    path = ROOT / "examples" / "babbling_arm7.toml"
    if steps:
        path = pathlib.Path(tmp, "babbling.toml")
        path.write_text(
            edited((ROOT / "examples/babbling_arm7.toml").read_text(), steps=f"steps = {steps}")
        )
    one = sweep(path, pathlib.Path(tmp, "b1"), "--workers", "1")
    two = sweep(path, pathlib.Path(tmp, "b2"), "--workers", "2")
    same = rows(pathlib.Path(tmp, "b1")) == rows(pathlib.Path(tmp, "b2"))
    n = len(rows(pathlib.Path(tmp, "b1")))
    print(
        f"babbling_arm7 ({n} trials): 1 worker {one:.1f}s, 2 workers {two:.1f}s, "
        f"speed-up {one / two:.2f}x (target >= 1.6x); same rows: {same}"
    )
    # the cores the runs got: CPU seconds over wall seconds (up to 1 and 2 on a quiet machine)
    for name, wall in (("b1", one), ("b2", two)):
        cpu = CPU[str(pathlib.Path(tmp, name))]
        print(
            f"  {name[1]} worker(s): {cpu:.1f} CPU s in the processes, {cpu / wall:.2f} cores used"
        )


def sutton(tmp):
    text = (ROOT / "examples" / "sutton1992_lms.toml").read_text()
    single = pathlib.Path(tmp, "one.toml")
    single.write_text(
        edited(text, seeds="seeds = [0]", **{'"rule.step_size"': '"rule.step_size" = [0.03]'})
    )
    t_one = sweep(single, pathlib.Path(tmp, "s1"))
    t_all = sweep(ROOT / "examples" / "sutton1992_lms.toml", pathlib.Path(tmp, "s240"))
    best = min(rows(pathlib.Path(tmp, "s240")), key=lambda r: float(r["final_mse"]))
    means = {}
    for r in rows(pathlib.Path(tmp, "s240")):
        means.setdefault(float(r["rule.step_size"]), []).append(float(r["final_mse"]))
    table = ", ".join(f"{a:g}: {sum(v) / len(v):.2f}" for a, v in sorted(means.items()))
    print(
        f"sutton1992_lms: one trial (compile + run) {t_one:.1f}s, 240 trials {t_all:.1f}s, "
        f"ratio {t_all / t_one:.2f} (target <= 3)"
    )
    print(
        f"  mean final MSE (steps 20k-30k) per step size: {table}; lowest single run at "
        f"step size {best['rule.step_size']}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("babbling", "sutton"))
    parser.add_argument("--steps", type=int, help="babbling: steps instead of the example's")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "sutton"):
            sutton(tmp)
        if args.only in (None, "babbling"):
            babbling(tmp, args.steps)


if __name__ == "__main__":
    main()
