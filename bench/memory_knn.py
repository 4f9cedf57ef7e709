"""Neighbour search as the memory grows: time per append and per exact k-NN query.

The learners' memory is a growable column-major array (amortised doubling, no rebuild per
update) searched by exact brute force in NumPy (``sensorimotor.learners.knn``). This prints,
for memories of 1k to 200k observations in 7 dimensions (the mid7 arm's motor space), the
time per ``append`` of one row (amortised over the growth) and per query for k = 1, 8 and 300
(the k of LWLR's inverse fit), wall clock and CPU.

    python bench/memory_knn.py
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

from sensorimotor.learners import Memory, knn  # noqa: E402


def main():
    rng = np.random.default_rng(0)
    print(f"{'N':>7} {'append':>9} {'k=1':>9} {'k=8':>9} {'k=300':>9}   (per call; wall / cpu)")
    for n in (1_000, 5_000, 20_000, 50_000, 200_000):
        rows = rng.uniform(size=(n, 7))
        mem = Memory(7, 2)
        t0 = time.perf_counter()
        for i in range(n):
            mem.append(rows[i : i + 1], rows[i : i + 1, :2])
        t_append = (time.perf_counter() - t0) / n
        queries = rng.uniform(size=(50, 7))
        cells = []
        for k in (1, 8, 300):
            t0, c0 = time.perf_counter(), time.process_time()
            for q in queries:
                knn(mem.m, q[None], k)
            wall = (time.perf_counter() - t0) / len(queries)
            cpu = (time.process_time() - c0) / len(queries)
            cells.append(f"{wall * 1e3:6.3f}/{cpu * 1e3:.3f}ms")
        print(f"{n:>7} {t_append * 1e6:7.2f}us " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
