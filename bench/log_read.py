"""Reading a long observation log: the whole of it, its last records, a strided part.

A log of ``--records`` records (default 1M) of the 2-joint arm (2 motor, 2 sensory
channels; each record's meta holds its step, every other one a second key too) is written once to
``--path`` (reused when it is already there), then read with ``read_log``: whole, the last
1000 records, and every 100th record of two channels. Each figure is the best of three
reads (wall clock). Most of a whole read is making a ``uuid.UUID`` and a meta dict per
record; the arrays are a small part.

    PYTHONPATH=src python bench/log_read.py [--records 1000000] [--path /tmp/log_read.h5]
"""

import argparse
import os
import time
import uuid

import numpy as np

from sensorimotor import KinematicArm2D
from sensorimotor.run.observation_log import ObservationLog, read_log


def write(path, records, seed=0):
    """The bench's log: uniform random commands of the 2-joint arm, one append each."""
    arm = KinematicArm2D({"dim": 2})
    rng = np.random.default_rng(seed)
    m = arm.m_set.random(rng, records)
    s = arm.execute_array(m)
    names_m = [c.name for c in arm.m_channels]
    names_s = [c.name for c in arm.s_channels]
    with ObservationLog(path, arm.m_channels, arm.s_channels, flush_every=10_000) as log:
        for i in range(records):
            feedback = {
                "m_signal": dict(zip(names_m, m[i].tolist(), strict=True)),
                "s_signal": dict(zip(names_s, s[i].tolist(), strict=True)),
                "uuid": uuid.UUID(int=int(rng.integers(1 << 62)) << 64 | i),
            }
            log.append(feedback, meta={"step": i, "phase": "babble"} if i % 2 else {"step": i})


def best_of(read, repeats=3):
    """The least wall time of ``repeats`` calls of ``read()``, and what the last returned."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = read()
        best = min(best, time.perf_counter() - start)
    return best, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--path", default="/tmp/log_read.h5")
    args = parser.parse_args()
    if args.records < 1000:
        parser.error(f"--records must be at least 1000, got {args.records}")
    fresh = True  # the log is written again unless it is this bench's, of this length
    if os.path.exists(args.path):
        tail = read_log(args.path, rows=slice(-1, None))
        fresh = not (len(tail) and tail.meta[0].get("step") == args.records - 1)
        if fresh:
            os.remove(args.path)
    if fresh:
        start = time.perf_counter()
        write(args.path, args.records)
        print(f"wrote {args.records} records in {time.perf_counter() - start:.1f} s")
    whole, records = best_of(lambda: read_log(args.path))
    assert len(records) == args.records
    last, _ = best_of(lambda: read_log(args.path, rows=slice(-1000, None)))
    strided, _ = best_of(
        lambda: read_log(args.path, rows=slice(None, None, 100), channels=["j0", "x"])
    )
    print(f"read_log, {args.records} records ({args.path}):")
    print(f"  whole log: {whole:.2f} s ({whole / args.records * 1e6:.2f} us per record)")
    print(f"  last 1000 records: {last * 1e3:.1f} ms")
    print(f"  every 100th record, 2 channels: {strided * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
