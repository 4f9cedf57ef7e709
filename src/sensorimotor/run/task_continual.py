"""The ``continual`` task: a ``LinearLearner`` with a step-size ``rule`` on a ``stream`` for
``steps`` steps, compiled; the mean squared error per block of ``steps / blocks`` steps, and
``final_mse``, its mean over the last ``final_blocks`` blocks. The trials of a batch that
share their structure (the settings but the rule's float settings) run as one compiled
sweep (grid points x seeds).

>>> s = CONTINUAL.settings()
>>> s["rule"].default, s["steps"].default
('LMS', 10000)
"""

from __future__ import annotations

import json

import numpy as np

from sensorimotor.base.bounds import COUNT
from sensorimotor.run.experiment_settings import (
    Component,
    Setting,
    SettingError,
    Task,
    component_fields,
    guarded,
    typed_fields,
)

__all__ = ["CONTINUAL"]


def _streams():
    from sensorimotor.envs import streams
    from sensorimotor.run.array_stream_file import ArrayStreamFile

    names = ("SuttonExperiment1Stream", "RandomWalkStream", "AbruptChangeStream")
    names += ("CyclicStream", "ScaleDriftStream")
    made = {n: Component(getattr(streams, n), getattr(streams, n)._fields) for n in names}
    # a user's recorded arrays, from an .npz file
    return made | {"ArrayStream": Component(ArrayStreamFile, ArrayStreamFile._fields)}


def _rules():
    from sensorimotor import rules

    return {n: Component(getattr(rules, n), getattr(rules, n)._fields) for n in _RULES}


_RULES = ("LMS", "NLMS", "IDBD", "Autostep")


def _continual_settings():
    return {
        "stream": Setting("component", "SuttonExperiment1Stream", choices=_streams()),
        "rule": Setting("component", "LMS", choices=_rules()),
        "bias": Setting("bool", True),
        "steps": Setting("int", 10_000, bounds=COUNT),
        "blocks": Setting("int", 10, bounds=COUNT, help="learning-curve points"),
        "final_blocks": Setting("int", 1, bounds=COUNT, help="blocks final_mse averages"),
    }


def _make_rule(component: dict):
    return typed_fields(_rules()[component["name"]].make, component_fields(component))


def _make_stream(component: dict):
    from sensorimotor.run.array_stream_file import ArrayStreamFile

    name = component["name"]  # errors name the table as the file does (ArrayStream)
    made = typed_fields(_streams()[name].make, component_fields(component), name)
    return made.stream() if isinstance(made, ArrayStreamFile) else made


def _make_linear(s: dict):
    from sensorimotor.continual import LinearLearner

    return LinearLearner(_make_rule(s["rule"]), bias=s["bias"])


def _check_continual(s: dict) -> None:
    from sensorimotor.envs.streams import ArrayStream

    guarded("rule", _make_rule, s["rule"])
    stream = guarded("stream", _make_stream, s["stream"])
    if isinstance(stream, ArrayStream):
        _check_recorded(stream, s["steps"])
    if s["steps"] % s["blocks"]:
        raise SettingError("blocks", f"must divide steps ({s['steps']}), got {s['blocks']}")
    if s["final_blocks"] > s["blocks"]:
        raise SettingError(
            "final_blocks", f"must be at most blocks ({s['blocks']}), got {s['final_blocks']}"
        )


def _check_recorded(stream, steps: int) -> None:
    """What the continual task needs of a user's ``ArrayStream``: enough rows for ``steps``
    (or ``cycle``), and one target per row."""
    if not stream.cycle and steps > len(stream):
        raise SettingError(
            "steps",
            f"must be at most the ArrayStream's {len(stream)} rows (or stream.cycle = true "
            f"to go round them again), got {steps}",
        )
    if stream.y.ndim != 1:
        raise SettingError(
            "stream",
            f"ArrayStream.y: the continual task's LinearLearner learns one target per row, "
            f"shape (T,); got shape {tuple(stream.y.shape)} (pick a column: save y[:, j])",
        )


def _continual_batch(items: list) -> list:
    """``items``: ``(settings, seed)`` pairs of one structure (see :func:`_group_key`); all
    their learners x all their seeds run as one compiled sweep, and each pair's lane is
    returned."""
    import jax

    from sensorimotor.continual import run_sweep

    s0 = items[0][0]
    points = sorted({json.dumps(s["rule"], sort_keys=True) for s, _ in items})
    seeds = sorted({seed for _, seed in items})
    learners = [_make_linear({**s0, "rule": json.loads(p)}) for p in points]
    keys = jax.numpy.stack([jax.random.key(seed) for seed in seeds])
    out = run_sweep(
        learners,
        _make_stream(s0["stream"]),
        s0["steps"],
        keys,
        trace_interval=s0["steps"] // s0["blocks"],
    )
    mse = np.asarray(out.trace.squared_error, dtype=np.float64)  # (points, seeds, blocks)
    step = np.arange(1, s0["blocks"] + 1) * (s0["steps"] // s0["blocks"])
    results = []
    for s, seed in items:
        curve = mse[points.index(json.dumps(s["rule"], sort_keys=True)), seeds.index(seed)]
        metrics = {
            "final_mse": float(curve[-s["final_blocks"] :].mean()),
            "mean_mse": float(curve.mean()),
        }
        results.append((metrics, {"step": step.astype(np.float64), "mse": curve}))
    return results


def _group_key(settings: dict) -> str:
    """Trials with the same key run as one compiled sweep: the settings but the rule's
    float settings, which the compiled loop traces (given as floats or as ints: the file's
    ``0`` is ``0.0``)."""
    defaults = _rules()[settings["rule"]["name"]].make._field_defaults
    rule = {k: v for k, v in settings["rule"].items() if not isinstance(defaults.get(k), float)}
    return json.dumps({**settings, "rule": rule}, sort_keys=True)


CONTINUAL = Task(
    _continual_settings,
    _check_continual,
    batched=True,
    run_batch=_continual_batch,
    group_key=_group_key,
)
