"""The environment conformance suite: named checks every ``Environment`` must pass.

Each check is a function ``check_x(env_factory, *, deterministic=True, seed=0) -> str``
that builds its own environments with ``env_factory()`` (and closes them), returns
``'passed'`` or ``'skipped: <reason>'``, and raises ``EnvironmentCheckError`` naming
itself on a failure. ``check_environment`` runs them all. The refusal checks try each
bad value on the first and the last motor channel, through ``execute`` (and, for NaN and
inf, ``execute_array``), and for a deterministic environment also require that a refused
signal leaves it as it was (the same signal gives the same output before and after).

>>> from sensorimotor.envs import KinematicArm2D
>>> check_refuses_nan(KinematicArm2D), check_batch_matches_single(KinematicArm2D)
('passed', 'passed')
"""

import math
import uuid
from contextlib import contextmanager

import numpy as np

from sensorimotor.base.conformance import CheckError, named_check, require_factory, run_checks
from sensorimotor.envs.environment import Environment
from sensorimotor.signals import FEEDBACK_KEYS, Channel, SignalError

UNKNOWN_CHANNEL = "__not_a_channel__"
NON_NUMBERS = ("0.5", "abc", None, [0.5], True)


class EnvironmentCheckError(CheckError):
    """An environment failed a conformance check; ``check`` names it.

    ``failures`` maps every failed check's name to its message (one entry for a single
    check; ``check_environment`` raises one error with ``check='check_environment'`` and
    every failure).

    >>> err = EnvironmentCheckError('check_fresh_uuid', 'the same uuid twice')
    >>> str(err), err.check
    ('check_fresh_uuid: the same uuid twice', 'check_fresh_uuid')
    """


_named_check = named_check(EnvironmentCheckError)


def _fail(check: str, message: str):
    raise EnvironmentCheckError(check, message)


@contextmanager
def _environment(env_factory, check: str):
    env = env_factory()
    if not isinstance(env, Environment):
        _fail(check, f"the factory returned a {type(env).__name__}, not an Environment")
    try:
        yield env
    finally:
        try:
            env.close()
        except Exception:  # check_close_idempotent reports it
            pass


def sample_motor(m_set, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` motor arrays within the channels' bounds: shape ``(size, n_m)``.

    Bounded channels are uniform on ``[low, high]``; a channel bounded on one side is
    that bound plus or minus ``|N(0, 1)|``; an unbounded one ``N(0, 1)``.

    >>> from sensorimotor.signals import ChannelSet
    >>> cs = ChannelSet([Channel('a', (0, 1)), Channel('b')])
    >>> sample_motor(cs, np.random.default_rng(0), 3).shape
    (3, 2)
    """
    out = np.empty((size, len(m_set)))
    for j, (lo, hi) in enumerate(zip(m_set.low, m_set.high, strict=True)):
        z = rng.standard_normal(size)
        if math.isfinite(lo) and math.isfinite(hi):
            out[:, j] = rng.uniform(lo, hi, size)
        elif math.isfinite(lo):
            out[:, j] = lo + np.abs(z)
        elif math.isfinite(hi):
            out[:, j] = hi - np.abs(z)
        else:
            out[:, j] = z
    return out


def _signals(env, seed: int, size: int) -> list[dict]:
    return env.m_set.from_array(sample_motor(env.m_set, np.random.default_rng(seed), size))


def _s_array(env, m_signal: dict) -> np.ndarray:
    return env.s_set.to_array(env.execute(m_signal)["s_signal"])


def _same(a, b) -> bool:
    return np.allclose(a, b, rtol=1e-12, atol=1e-12)


# -- the checks -----------------------------------------------------------------------------
@_named_check
def check_channels(env_factory, *, deterministic=True, seed=0) -> str:
    """``m_channels`` and ``s_channels`` are non-empty sequences of ``Channel`` with unique names.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_channels(KinematicArm2D)
    'passed'
    >>> check_channels(lambda: 'arm')
    Traceback (most recent call last):
    ...
    sensorimotor.envs.checks.EnvironmentCheckError: check_channels: the factory returned a str, not an Environment
    """
    name = "check_channels"
    with _environment(env_factory, name) as env:
        for attr in ("m_channels", "s_channels"):
            channels = getattr(env, attr, None)
            if isinstance(channels, str | bytes) or not hasattr(channels, "__iter__"):
                _fail(name, f"{attr} is {channels!r}, not a sequence of Channel")
            channels = list(channels)
            if not channels:
                _fail(name, f"{attr} is empty")
            bad = [ch for ch in channels if not isinstance(ch, Channel)]
            if bad:
                _fail(name, f"{attr} holds {bad[0]!r}, not a Channel")
            names = [ch.name for ch in channels]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                _fail(name, f"{attr} has duplicate names {twice}")
    return "passed"


@_named_check
def check_feedback_shape(env_factory, *, deterministic=True, seed=0) -> str:
    """``execute`` returns ``{'m_signal', 's_signal', 'uuid'}``: float dicts over the
    channels in order and a ``uuid.UUID``; NumPy scalars are accepted as values.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_feedback_shape(KinematicArm2D)
    'passed'
    """
    name = "check_feedback_shape"
    with _environment(env_factory, name) as env:
        signals = _signals(env, seed, 3)
        signals.append({k: np.float32(v) for k, v in signals[0].items()})
        for m in signals:
            fb = env.execute(m)
            if not isinstance(fb, dict) or tuple(sorted(fb)) != tuple(sorted(FEEDBACK_KEYS)):
                keys = sorted(fb) if isinstance(fb, dict) else type(fb).__name__
                _fail(name, f"feedback must be a dict with keys {list(FEEDBACK_KEYS)}, got {keys}")
            for key, cs in (("m_signal", env.m_set), ("s_signal", env.s_set)):
                sig = fb[key]
                if not isinstance(sig, dict) or list(sig) != list(cs.names):
                    got = list(sig) if isinstance(sig, dict) else type(sig).__name__
                    _fail(
                        name,
                        f"feedback[{key!r}] must have the channels {list(cs.names)} in order, got {got}",
                    )
                for ch, v in sig.items():
                    if type(v) is not float or not math.isfinite(v):
                        _fail(name, f"feedback[{key!r}][{ch!r}] = {v!r} is not a finite float")
            if not isinstance(fb["uuid"], uuid.UUID):
                _fail(name, f"feedback['uuid'] is {fb['uuid']!r}, not a uuid.UUID")
    return "passed"


@_named_check
def check_fresh_uuid(env_factory, *, deterministic=True, seed=0) -> str:
    """Every ``execute`` call, even of the same signal, gets a new uuid.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_fresh_uuid(KinematicArm2D)
    'passed'
    """
    name = "check_fresh_uuid"
    seen = []
    for _ in range(2):
        with _environment(env_factory, name) as env:
            m, other = _signals(env, seed, 2)
            seen += [env.execute(s)["uuid"] for s in (m, m, other)]
    if len(set(seen)) != len(seen):
        twice = next(u for u in seen if seen.count(u) > 1)
        _fail(name, f"uuid {twice} was returned by {seen.count(twice)} calls")
    return "passed"


def _refusals(name, env_factory, deterministic, seed, cases) -> str:
    """Run ``cases(env, m) -> [(description, call, channel)]``; each call must raise a
    ``SignalError`` naming ``channel``, and (deterministic) leave the environment as it was."""
    with _environment(env_factory, name) as env:
        m = _signals(env, seed, 1)[0]
        before = _s_array(env, m)
        for what, call, channel in cases(env, m):
            try:
                call()
            except SignalError as err:
                if err.channel != channel or channel not in str(err):
                    _fail(
                        name,
                        f"{what}: the SignalError names channel {err.channel!r} ({err}), expected {channel!r}",
                    )
            except Exception as err:
                _fail(
                    name,
                    f"{what}: raised {type(err).__name__} ({err}), expected a SignalError naming {channel!r}",
                )
            else:
                _fail(name, f"{what}: accepted, expected a SignalError naming {channel!r}")
            if deterministic and not _same(_s_array(env, m), before):
                _fail(
                    name, f"{what}: refused, but the environment changed (same signal, new output)"
                )
    return "passed"


def _ends(env) -> list[str]:
    names = env.m_set.names
    return sorted({names[0], names[-1]}, key=names.index)


def _bad_values(env, m, values, with_array):
    cases = []
    for ch in _ends(env):
        for v in values:
            cases.append(
                (f"{ch}={v!r} in execute", lambda v=v, ch=ch: env.execute({**m, ch: v}), ch)
            )
            if with_array:
                row = env.m_set.to_array(m)
                row[env.m_set.index(ch)] = v
                cases.append(
                    (f"{ch}={v!r} in execute_array", lambda r=row: env.execute_array(r[None]), ch)
                )
    return cases


@_named_check
def check_refuses_missing_channel(env_factory, *, deterministic=True, seed=0) -> str:
    """A motor signal without one of the channels raises a ``SignalError`` naming it.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_refuses_missing_channel(KinematicArm2D)
    'passed'
    """

    def cases(env, m):
        return [
            (
                f"without {ch!r}",
                lambda ch=ch: env.execute({k: v for k, v in m.items() if k != ch}),
                ch,
            )
            for ch in _ends(env)
        ]

    return _refusals("check_refuses_missing_channel", env_factory, deterministic, seed, cases)


@_named_check
def check_refuses_unknown_channel(env_factory, *, deterministic=True, seed=0) -> str:
    """A motor signal with an extra channel raises a ``SignalError`` naming it.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_refuses_unknown_channel(KinematicArm2D)
    'passed'
    """

    def cases(env, m):
        return [
            (
                f"with {UNKNOWN_CHANNEL!r}",
                lambda: env.execute({**m, UNKNOWN_CHANNEL: 0.0}),
                UNKNOWN_CHANNEL,
            )
        ]

    return _refusals("check_refuses_unknown_channel", env_factory, deterministic, seed, cases)


def _refuses_values(name: str, values, with_array: bool, doc: str):
    """A check that each of ``values`` in a channel is refused (``execute``, and
    ``execute_array`` if ``with_array``) with a ``SignalError`` naming the channel."""

    def check(env_factory, *, deterministic=True, seed=0) -> str:
        return _refusals(
            name,
            env_factory,
            deterministic,
            seed,
            lambda env, m: _bad_values(env, m, values, with_array),
        )

    check.__name__ = check.__qualname__ = name
    check.__doc__ = doc
    return _named_check(check)


check_refuses_nan = _refuses_values(
    "check_refuses_nan",
    [math.nan],
    True,
    """NaN in a channel (``execute`` and ``execute_array``) raises a ``SignalError`` naming it.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_refuses_nan(KinematicArm2D)
    'passed'
    """,
)
check_refuses_inf = _refuses_values(
    "check_refuses_inf",
    [math.inf, -math.inf],
    True,
    """+-inf in a channel (``execute`` and ``execute_array``) raises a ``SignalError`` naming it.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_refuses_inf(KinematicArm2D)
    'passed'
    """,
)
check_refuses_non_number = _refuses_values(
    "check_refuses_non_number",
    NON_NUMBERS,
    False,
    """A string, ``None``, a list or a bool as a value raises a ``SignalError`` naming the channel.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_refuses_non_number(KinematicArm2D)
    'passed'
    """,
)


@_named_check
def check_close_idempotent(env_factory, *, deterministic=True, seed=0) -> str:
    """``close()`` after use, then ``close()`` again, raises nothing.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_close_idempotent(KinematicArm2D)
    'passed'
    """
    name = "check_close_idempotent"
    env = env_factory()
    env.execute(_signals(env, seed, 1)[0])
    env.close()
    try:
        env.close()
    except Exception as err:
        _fail(name, f"the second close() raised {type(err).__name__}: {err}")
    return "passed"


@_named_check
def check_closed_refuses_execute(env_factory, *, deterministic=True, seed=0) -> str:
    """``execute`` on a closed environment raises a ``RuntimeError``.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_closed_refuses_execute(KinematicArm2D)
    'passed'
    """
    name = "check_closed_refuses_execute"
    env = env_factory()
    m = _signals(env, seed, 1)[0]
    env.close()
    try:
        env.execute(m)
    except RuntimeError:
        return "passed"
    except Exception as err:
        _fail(
            name,
            f"execute after close() raised {type(err).__name__} ({err}), expected RuntimeError",
        )
    _fail(name, "execute after close() returned feedback")


@_named_check
def check_batch_matches_single(env_factory, *, deterministic=True, seed=0) -> str:
    """Where the class has a vectorised ``_execute_array``: ``execute_array`` of a batch
    (including the bounds' corners) equals ``execute`` of each row (rtol, atol 1e-9).

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_batch_matches_single(KinematicArm2D)
    'passed'
    >>> check_batch_matches_single(KinematicArm2D, deterministic=False)
    'skipped: not deterministic'
    """
    name = "check_batch_matches_single"
    with _environment(env_factory, name) as env:
        if not env.has_batch_path:
            return "skipped: no batch path"
        if not deterministic:
            return "skipped: not deterministic"
        m_set = env.m_set
        batch = sample_motor(m_set, np.random.default_rng(seed), 16)
        corners = [np.where(np.isfinite(b), b, 0.0) for b in (m_set.low, m_set.high)]
        batch = np.vstack([batch, *corners])
        out = np.asarray(env.execute_array(batch))
        if out.shape != (len(batch), len(env.s_set)):
            _fail(
                name,
                f"execute_array of shape {batch.shape} returned shape {out.shape}, expected {(len(batch), len(env.s_set))}",
            )
        one = np.asarray(env.execute_array(batch[0]))
        if one.shape != (1, len(env.s_set)):
            _fail(
                name,
                f"execute_array of one motor array returned shape {one.shape}, expected {(1, len(env.s_set))}",
            )
        single = np.array([_s_array(env, m) for m in m_set.from_array(batch)])
        close = np.isclose(out, single, rtol=1e-9, atol=1e-9)
        if not close.all():
            i, j = (int(k[0]) for k in np.nonzero(~close))
            _fail(
                name,
                f"row {i}, channel {env.s_set.names[j]!r}: execute_array gives {out[i, j]!r}, execute gives {single[i, j]!r}",
            )
    return "passed"


@_named_check
def check_deterministic(env_factory, *, deterministic=True, seed=0) -> str:
    """The same motor signal gives the same sensory signal: again, after other signals, and
    on a fresh environment from the factory (deterministic environments only).

    >>> from sensorimotor.envs import KinematicArm2D
    >>> check_deterministic(KinematicArm2D), check_deterministic(KinematicArm2D, deterministic=False)
    ('passed', 'skipped: not deterministic')
    """
    name = "check_deterministic"
    if not deterministic:
        return "skipped: not deterministic"
    with _environment(env_factory, name) as env:
        signals = _signals(env, seed, 4)
        first = [_s_array(env, m) for m in signals]
        again = [_s_array(env, m) for m in reversed(signals)][::-1]
    with _environment(env_factory, name) as env:
        fresh = [_s_array(env, m) for m in signals]
    for label, other in (("executed again", again), ("on a fresh environment", fresh)):
        for i, (a, b) in enumerate(zip(first, other, strict=True)):
            if not _same(a, b):
                _fail(name, f"signal {i} {label} gives {b.tolist()}, first {a.tolist()}")
    return "passed"


ENVIRONMENT_CHECKS = (
    check_channels,
    check_feedback_shape,
    check_fresh_uuid,
    check_refuses_missing_channel,
    check_refuses_unknown_channel,
    check_refuses_nan,
    check_refuses_inf,
    check_refuses_non_number,
    check_close_idempotent,
    check_closed_refuses_execute,
    check_batch_matches_single,
    check_deterministic,
)


def check_environment(
    env_factory, *, deterministic: bool = True, seed: int = 0, checks=ENVIRONMENT_CHECKS
) -> dict:
    """Run every conformance check on environments made by ``env_factory()``.

    Returns ``{check name: 'passed' or 'skipped: reason'}``; raises one
    ``EnvironmentCheckError`` listing every failed check (``failures``) otherwise. Pass
    ``deterministic=False`` for an environment whose output is random for a fixed input:
    the checks that compare two executions are then skipped.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> report = check_environment(lambda: KinematicArm2D({'dim': 3}))
    >>> len(report), report['check_batch_matches_single']
    (12, 'passed')
    """
    require_factory(
        "check_environment",
        "factory",
        env_factory,
        "a new Environment (the class, or lambda: MyEnv(cfg))",
    )
    return run_checks(
        checks,
        EnvironmentCheckError,
        "check_environment",
        env_factory,
        deterministic=deterministic,
        seed=seed,
    )
