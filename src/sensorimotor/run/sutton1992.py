"""Sutton's (1992) Experiment 1, reproduced with the compiled loops."""

from typing import NamedTuple

import jax
import numpy as np

from sensorimotor.envs.streams import SuttonExperiment1Stream
from sensorimotor.learners.linear import LinearLearner
from sensorimotor.rules import IDBD, LMS
from sensorimotor.run.learning_loop import run_learning_loop_batched, run_sweep


class Experiment1Result(NamedTuple):
    """Asymptotic MSE (over the last 10k of 30k steps, averaged over seeds)."""

    lms_step_sizes: tuple
    lms_mse: np.ndarray
    idbd_meta_step_size: float
    idbd_mse: float
    seeds: int


def experiment1(
    seeds: int = 30,
    lms_step_sizes=(0.01, 0.02, 0.03, 0.04, 0.05, 0.06),
    meta_step_size: float = 0.01,
    key: int = 1992,
) -> Experiment1Result:
    """Sutton (1992), "Adapting bias by gradient descent", Experiment 1.

    20 N(0, 1) inputs, target ``y = sum_i s_i x_i`` with 5 relevant weights ``+-1`` (one of
    them, at random, flips its sign every 20 steps) and 15 zero; no bias. 20k steps of
    learning, then the MSE over the next 10k, averaged over ``seeds`` runs. The paper: the
    best fixed-step LMS reaches about 3.5, IDBD (initial step size 0.05, meta step size
    0.01) about 1.5. All LMS step sizes and seeds run in one compiled sweep.

    >>> r = experiment1(seeds=2, lms_step_sizes=(0.03,))
    >>> bool(r.idbd_mse < r.lms_mse.min())
    True
    """
    stream = SuttonExperiment1Stream()
    keys = jax.random.split(jax.random.key(key), seeds)
    lms = [LinearLearner(LMS(a), bias=False) for a in lms_step_sizes]
    out = run_sweep(lms, stream, 30_000, keys, trace_interval=10_000)
    lms_mse = np.asarray(out.trace.squared_error[..., -1]).mean(-1)
    idbd = LinearLearner(IDBD(initial_step_size=0.05, meta_step_size=meta_step_size), bias=False)
    out = run_learning_loop_batched(idbd, stream, 30_000, keys, trace_interval=10_000)
    idbd_mse = float(np.asarray(out.trace.squared_error[..., -1]).mean())
    return Experiment1Result(tuple(lms_step_sizes), lms_mse, meta_step_size, idbd_mse, seeds)


def format_experiment1(r: Experiment1Result) -> str:
    """The result as a short table, with the paper's figures beside it."""
    lines = [f"Sutton (1992) Experiment 1: MSE over steps 20k-30k, mean of {r.seeds} seeds"]
    for a, mse in zip(r.lms_step_sizes, r.lms_mse):
        lines.append(f"  LMS  step size {a:<6g}          {mse:6.3f}")
    lines.append(f"  IDBD meta step size {r.idbd_meta_step_size:<6g}     {r.idbd_mse:6.3f}")
    lines.append(
        f"best LMS {r.lms_mse.min():.3f} (paper: about 3.5), IDBD {r.idbd_mse:.3f} (paper: about 1.5)"
    )
    return "\n".join(lines)
