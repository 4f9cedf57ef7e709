"""An echo state network of 100 units with an RLS readout, one step at a time, against
reservoirpy 0.4's per-step loop (``res.step`` + ``rls.partial_fit``), in the same run.

* NumPy, per sample, through the public API: ``node.execute(u)`` then
  ``readout.train(x, target=y)`` (``sensorimotor.reservoir``), against reservoirpy's
  ``Reservoir.step`` then ``RLS.partial_fit`` on the same task (predict the next value of
  a random input filtered by a slow sine); the two loops alternate for several rounds, and
  the best and the median round of each are compared (the machine is shared: a ratio
  measured round by round is what holds).
* Compiled: the same step as pure functions (``reservoir_step``, ``readout_train``) under
  ``jax.lax.scan`` over an episode and ``jax.vmap`` over a batch of seeds (JAX's default
  float32); aggregate steps per second after compilation.

Targets (issue 10): NumPy at least 2x reservoirpy's steps/s, compiled at least 5x.

``--blas-threads N`` runs both per-step loops under N BLAS threads (threadpoolctl); by
default the BLAS keeps its own setting. Each library builds its objects before its timed
round (the reservoir's eigenvalues are computed on one BLAS thread, so that no LAPACK
thread spins on into the first steps).

    PYTHONPATH=src python bench/reservoir.py [--steps 5000] [--rounds 5] [--seeds 32]

Without reservoirpy (``pip install .[bench]``) the peer is skipped with a message.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from threadpoolctl import threadpool_limits

try:
    import reservoirpy
    from reservoirpy.nodes import RLS as PeerRLS
    from reservoirpy.nodes import Reservoir as PeerReservoir
except ImportError:  # the peer is optional: see the module docstring
    reservoirpy = None

from sensorimotor.reservoir import (
    PlainRLS,
    ReservoirNode,
    readout_features,
    readout_init,
    readout_predict,
    readout_train,
    reservoir_step,
)
from sensorimotor.rules import RLS

SIZE = 100


def task(steps: int, seed: int = 0):
    """Inputs ``(steps, 1)`` and next-step targets ``(steps, 1)``."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps + 1)
    s = 0.5 * np.sin(t / 7.0) + 0.1 * rng.normal(size=steps + 1)
    return s[:-1, None].copy(), s[1:, None].copy()


def ours_numpy(us, ys):
    node = ReservoirNode(1, SIZE, spectral_radius=0.9, leak_rate=1.0, seed=0)
    readout = PlainRLS(SIZE, 1, lambda_=1.0, delta=1e-2)
    execute, train = node.execute, readout.train
    t0, c0 = time.perf_counter(), time.process_time()
    for t in range(us.shape[0]):
        x = execute(us[t])
        train(x, target=ys[t])
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return us.shape[0] / dt, us.shape[0] / dc, (node, readout)


def _tail_mse(node, readout, us, ys):
    """Mean squared one-step error of the trained readout on a fresh pass (a sanity figure:
    both libraries should learn the task about equally)."""
    probe = node.copy()
    probe.reset()
    states = probe.execute(us)
    half = us.shape[0] // 2
    return float(np.mean((readout(states[half:]) - ys[half:]) ** 2))


def peer_numpy(us, ys):
    res = PeerReservoir(SIZE, sr=0.9, lr=1.0, seed=0)
    rls = PeerRLS(alpha=1e-2)
    step, fit = res.step, rls.partial_fit
    x = step(us[0])
    fit(x[None, :], ys[0:1])
    t0, c0 = time.perf_counter(), time.process_time()
    for t in range(1, us.shape[0]):
        x = step(us[t])
        fit(x[None, :], ys[t : t + 1])
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return (us.shape[0] - 1) / dt, (us.shape[0] - 1) / dc


def compiled(steps: int, seeds: int):
    """Steps per second of ``seeds`` episodes of ``steps`` steps, vmapped, after compiling."""
    rule = RLS(1.0, 1e-2)
    nodes = [ReservoirNode(1, SIZE, spectral_radius=0.9, seed=s) for s in range(seeds)]
    params = jax.tree_util.tree_map(lambda *a: jnp.asarray(np.stack(a)), *(n.params for n in nodes))
    dtype = params.w.dtype
    data = [task(steps, seed=s) for s in range(seeds)]
    us = jnp.asarray(np.stack([d[0] for d in data]), dtype)
    ys = jnp.asarray(np.stack([d[1] for d in data]), dtype)

    def episode(params, us, ys):
        def body(carry, inputs):
            x, state, sq = carry
            u, y = inputs
            x = reservoir_step(params, x, u)
            z = readout_features(x)
            err = y - readout_predict(state, z)
            return (x, readout_train(rule, state, z, err), sq + err[0] * err[0]), None

        init = (jnp.zeros(SIZE, dtype), readout_init(rule, SIZE, 1, xp=jnp, dtype=dtype), 0.0)
        (x, state, sq), _ = jax.lax.scan(body, init, (us, ys))
        return state.beta, sq / us.shape[0]

    run = jax.jit(jax.vmap(episode))
    jax.block_until_ready(run(params, us, ys))  # compile
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        beta, mse = jax.block_until_ready(run(params, us, ys))
        best = min(best, time.perf_counter() - t0)
    one = jax.jit(episode)
    jax.block_until_ready(one(params.__class__(*(a[0] for a in params)), us[0], ys[0]))
    t0 = time.perf_counter()
    jax.block_until_ready(one(params.__class__(*(a[0] for a in params)), us[0], ys[0]))
    single = steps / (time.perf_counter() - t0)
    return seeds * steps / best, single, float(jnp.mean(mse)), str(dtype)


def _line(label, rates):
    wall, cpu = [r[0] for r in rates], [r[1] for r in rates]
    print(
        f"  {label:34s}: wall best {max(wall):7.0f}, median {statistics.median(wall):7.0f} "
        f"steps/s; CPU best {max(cpu):7.0f}, median {statistics.median(cpu):7.0f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seeds", type=int, default=32)
    parser.add_argument(
        "--blas-threads", type=int, default=None, help="BLAS threads of both per-step loops"
    )
    args = parser.parse_args(argv)
    us, ys = task(args.steps)
    ours, peer = [], []
    with threadpool_limits(args.blas_threads, user_api="blas"):
        for _ in range(args.rounds):  # alternate, so that both see the same machine load
            wall, cpu, trained = ours_numpy(us, ys)
            ours.append((wall, cpu))
            if reservoirpy is not None:
                peer.append(peer_numpy(us, ys))
    mse = _tail_mse(*trained, us, ys)
    print(
        f"ESN({SIZE}) + RLS readout, {args.steps} steps per round, {args.rounds} rounds, "
        f"BLAS threads: {args.blas_threads or 'the default'}"
    )
    print("(steps/s from wall-clock time, and from this process's CPU time: the load of")
    print(" other jobs on a shared machine slows the wall clock, not the CPU time)")
    _line("sensorimotor NumPy, per step", ours)
    print(f"  {'':34s}  (test MSE of the trained readout {mse:.2e})")
    if reservoirpy is None:
        print("  reservoirpy: not installed (pip install '.[bench]'), peer skipped")
    else:
        _line(f"reservoirpy {reservoirpy.__version__} step + partial_fit", peer)
        for i, kind in enumerate(("wall", "CPU")):
            ratios = [a[i] / b[i] for a, b in zip(ours, peer)]
            best = max(a[i] for a in ours) / max(b[i] for b in peer)
            print(
                f"  NumPy / reservoirpy ({kind}): best {best:.2f}x, median of the rounds' "
                f"ratios {statistics.median(ratios):.2f}x (target >= 2)"
            )
    aggregate, single, jmse, dtype = compiled(args.steps, args.seeds)
    print(
        f"  compiled JAX ({dtype}), vmap over {args.seeds} seeds x lax.scan over "
        f"{args.steps} steps: {aggregate:9.0f} steps/s aggregate, wall (one seed: "
        f"{single:.0f} steps/s; mean training MSE {jmse:.2e})"
    )
    if reservoirpy is not None:
        best_peer = max(b[0] for b in peer)
        med_peer = statistics.median(b[0] for b in peer)
        print(
            f"  compiled / reservoirpy (wall): {aggregate / best_peer:.1f}x its best round, "
            f"{aggregate / med_peer:.1f}x its median (target >= 5)"
        )


if __name__ == "__main__":
    main()
