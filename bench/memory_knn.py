"""Neighbour search as the memory grows: time per append and per exact k-NN query.

The learners' memory is a growable row-major array (amortised growth, no copy per update)
searched exactly: by brute force in NumPy (``sensorimotor.learners.knn``), and through
``Memory.nearest``, which answers the same from kd-trees over the bulk plus a brute-force
tail once the memory holds 4096 rows (``NeighbourIndex``). This prints, for memories of 1k
to 200k observations in 7 dimensions (the mid7 arm's motor space), the time per ``append``
of one row (amortised over the growth) and per query for k = 1, 8 and 300 (the k of LWLR's
inverse fit), wall clock and CPU, brute force then ``nearest``.

    python bench/memory_knn.py
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

from sensorimotor.learners import Memory, knn  # noqa: E402


def main():
    rng = np.random.default_rng(0)
    print(
        f"{'N':>7} {'append':>9} {'brute k=1':>15} {'k=8':>15} {'k=300':>15} "
        f"{'nearest k=1':>15} {'k=8':>15} {'k=300':>15}   (per call; wall / cpu)"
    )
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
        mem.nearest("m", queries[:1])  # start the index, let its build finish
        mem.wait()
        mem.nearest("m", queries[:1])
        for k in (1, 8, 300):
            t0, c0 = time.perf_counter(), time.process_time()
            for q in queries:
                mem.nearest("m", q[None], k)
            wall = (time.perf_counter() - t0) / len(queries)
            cpu = (time.process_time() - c0) / len(queries)
            cells.append(f"{wall * 1e3:6.3f}/{cpu * 1e3:.3f}ms")
        print(f"{n:>7} {t_append * 1e6:7.2f}us " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
