"""Saving and loading an ADHDP (a folder of JSON and .npz files; no pickle).

The ADHDP classes inherit :class:`SavedADHDP`, so this module names none of them: a saved
agent's class is found among the library's subclasses of :class:`SavedADHDP` by the name
the file gives, and a subclass says what it saves beyond ADHDP's own parts
(``SAVED_READOUTS``) and how it is rebuilt (``_saved_args``)."""

from __future__ import annotations

import os

import numpy as np

from sensorimotor.agents.adhdp.momentum import ConstMomentum, Momentum, RadialMomentum
from sensorimotor.base.bounds import is_int, is_real
from sensorimotor.base.saved_file import (
    check_arrays,
    make_header,
    read_json,
    read_npz,
    subclasses,
    write_json,
    write_npz,
)
from sensorimotor.nets.readout import load_readout
from sensorimotor.nets.reservoir import ReservoirNode
from sensorimotor.nets.td_readout import TDReadout

FORMAT = "sensorimotor.adhdp"
FORMAT_VERSION = 1
MOMENTA = {c.__name__: c for c in (Momentum, ConstMomentum, RadialMomentum)}
_KEYS = ("cls", "settings", "extra", "episode", "num_step", "done", "terminal", "s_curr", "j_curr")


class SavedADHDP:
    """What an ADHDP class adds to the saved folder: ``SAVED_READOUTS`` names readouts of the
    agent saved as ``<name>.npz`` besides the critic's (a state-feedback actor), and
    :meth:`_saved_args` rebuilds the constructor's arguments from the saved parts."""

    SAVED_READOUTS: tuple = ()

    @classmethod
    def _saved_args(cls, reservoir, readout, readouts: dict, plant, policy, extra: dict):
        """``(args, settings)`` for ``cls(*args, **settings, ...)`` from the saved parts:
        ``readouts`` the ``SAVED_READOUTS`` by name, ``extra`` the class's own settings."""
        return [reservoir, readout, plant, policy], extra

    def save(self, folder) -> None:
        """Write the agent to ``folder`` (see :func:`save_adhdp`)."""
        save_adhdp(self, folder)

    @classmethod
    def load(cls, folder, plant, policy, **overrides):
        """The agent saved in ``folder`` (see :func:`load_adhdp`), of this class or a
        subclass (``ADHDP.load`` reads any; ``ActionBruteForce.load`` refuses a plain
        ``ADHDP``, as ``DQN.load`` refuses another agent), else a ``ValueError``.

        >>> import tempfile
        >>> from sensorimotor.agents import ADHDP
        >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
        >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
        >>> from sensorimotor.reservoir import PlainRLS, ReservoirNode
        >>> env = CartPoleADP({'seed': 0})
        >>> agent = ADHDP(ReservoirNode(5, 10, seed=0), PlainRLS(15, 1), CartPoleBalance(),
        ...               ChannelPolicy(env.m_channels), gamma=0.9, action_scale=10.0)
        >>> agent.new_episode(env.reset())
        >>> _ = agent(env); _ = agent(env)
        >>> folder = tempfile.mkdtemp()
        >>> agent.save(folder)
        >>> back = ADHDP.load(folder, CartPoleBalance(), ChannelPolicy(env.m_channels))
        >>> print(back.num_step, back.critic(np.zeros(4), np.zeros(1)) == agent.critic(np.zeros(4), np.zeros(1)))
        2 True
        """
        return _load(folder, plant, policy, cls, overrides)


def _library_classes() -> dict:
    """The library's ADHDP classes by name (``SavedADHDP``'s subclasses in ``sensorimotor``:
    a file never names a class from elsewhere into being)."""
    return {
        c.__name__: c for c in subclasses(SavedADHDP) if c.__module__.startswith("sensorimotor.")
    }


def save_adhdp(agent: SavedADHDP, folder) -> None:
    """Write ``agent`` to the folder ``folder`` (created): ``adhdp.json`` (settings and
    counters), ``adhdp.npz`` (current action, critic input), ``reservoir.npz``,
    ``readout.npz`` (``readout_td.npz`` for a ``TDReadout``, the header says which) and
    one ``.npz`` per name in the class's ``SAVED_READOUTS`` (a
    :class:`~sensorimotor.agents.adhdp.state_feedback.StateFeedbackADHDP`'s ``actor.npz``). Each file is
    written atomically. Settings given as functions of ``(episode, step)`` are not saved:
    :func:`load_adhdp` needs them again. Plant, policy, collector and environment are the
    caller's.

    >>> import os, tempfile
    >>> from sensorimotor.agents import ADHDP, save_adhdp
    >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
    >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
    >>> from sensorimotor.reservoir import PlainRLS, ReservoirNode
    >>> env = CartPoleADP({'seed': 0})
    >>> agent = ADHDP(ReservoirNode(5, 10, seed=0), PlainRLS(15, 1), CartPoleBalance(),
    ...               ChannelPolicy(env.m_channels), gamma=0.9, action_scale=10.0)
    >>> agent.new_episode(env.reset())
    >>> folder = tempfile.mkdtemp()
    >>> save_adhdp(agent, folder)
    >>> print(sorted(os.listdir(folder)))
    ['adhdp.json', 'adhdp.npz', 'readout.npz', 'reservoir.npz']
    """
    name = type(agent).__name__
    classes = _library_classes()
    if classes.get(name) is not type(agent):
        raise TypeError(f"cannot save a {name}: not one of {sorted(classes)}")
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    m = agent.momentum
    settings = dict(
        gamma=agent.gamma.value,
        alpha=agent.alpha.value,
        momentum=m.momentum.value,
        # a user's own kind is named too: loading it then asks for it (momentum=...)
        momentum_kind=type(m).__name__,
        init_steps=agent.init_steps,
        action_offset=agent.action_offset.tolist(),
        action_scale=agent.action_scale.tolist(),
    )
    extra = agent._settings() if hasattr(agent, "_settings") else {}
    rng = getattr(agent, "rng", None)
    name_readout = "readout_td.npz" if isinstance(agent.readout, TDReadout) else "readout.npz"
    s_curr = None if agent.s_curr is None else {k: float(v) for k, v in agent.s_curr.items()}
    header = make_header(
        FORMAT,
        FORMAT_VERSION,
        cls=name,
        settings=settings,
        extra=extra,
        episode=agent.episode,
        num_step=agent.num_step,
        done=agent.done,
        terminal=agent.terminal,
        s_curr=s_curr,
        j_curr=agent.j_curr,
        rng=None if rng is None else rng.bit_generator.state,
        readout=name_readout,  # the folder may still hold the other kind's file
    )
    agent.reservoir.save(os.path.join(folder, "reservoir.npz"))
    agent.readout.save(os.path.join(folder, name_readout))
    for part in type(agent).SAVED_READOUTS:
        getattr(agent, part).save(os.path.join(folder, f"{part}.npz"))
    a_curr = np.zeros(agent.action_dim) if agent.a_curr is None else agent.a_curr
    write_npz(os.path.join(folder, "adhdp.npz"), {"a_curr": a_curr, "z": agent._z}, header)
    write_json(os.path.join(folder, "adhdp.json"), header)


def check_saved_signal(s_curr):
    """A saved agent's last sensory signal: ``None`` or a mapping of channel names to
    finite numbers, as ``save`` writes it; else ``ValueError`` (a hand-edited header loaded
    and then failed at the next step with a ``TypeError`` naming no file).

    >>> check_saved_signal({"x": 0.5}), check_saved_signal(None)
    ({'x': 0.5}, None)
    >>> check_saved_signal("garbage")
    Traceback (most recent call last):
    ...
    ValueError: s_curr must be None or a mapping of channel names to numbers, got 'garbage'
    """
    ok = s_curr is None or (
        isinstance(s_curr, dict)
        and all(isinstance(k, str) and is_real(v) and np.isfinite(v) for k, v in s_curr.items())
    )
    if not ok:
        raise ValueError(
            f"s_curr must be None or a mapping of channel names to numbers, got {s_curr!r}"
        )
    return s_curr


def load_adhdp(folder, plant, policy, **overrides) -> SavedADHDP:
    """The agent saved by :func:`save_adhdp` in ``folder``, on ``plant`` and ``policy``
    (and ``collector``, ``gamma``, ``alpha``, ``momentum`` if given: those saved as
    functions must be). Continues exactly where the saved one was. A corrupt or foreign
    file raises ``ValueError`` naming it.

    >>> import tempfile
    >>> from sensorimotor.agents import ADHDP, load_adhdp, save_adhdp
    >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
    >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
    >>> from sensorimotor.reservoir import PlainRLS, ReservoirNode
    >>> env = CartPoleADP({'seed': 0})
    >>> agent = ADHDP(ReservoirNode(5, 10, seed=0), PlainRLS(15, 1), CartPoleBalance(),
    ...               ChannelPolicy(env.m_channels), gamma=0.9, action_scale=10.0)
    >>> agent.new_episode(env.reset())
    >>> _ = agent(env); _ = agent(env)
    >>> folder = tempfile.mkdtemp()
    >>> save_adhdp(agent, folder)
    >>> back = load_adhdp(folder, CartPoleBalance(), ChannelPolicy(env.m_channels), gamma=0.5)
    >>> print(type(back).__name__, back.num_step, back.gamma.value)  # gamma overridden
    ADHDP 2 0.5
    """
    return _load(folder, plant, policy, SavedADHDP, overrides)


def _load(folder, plant, policy, expected: type, overrides: dict) -> SavedADHDP:
    """:func:`load_adhdp`, refusing (before the policy takes the saved action) an agent
    that is not an ``expected``."""
    folder = os.fspath(folder)
    h = read_json(os.path.join(folder, "adhdp.json"), FORMAT, FORMAT_VERSION, _KEYS)
    cls = _library_classes().get(h["cls"]) if isinstance(h["cls"], str) else None
    settings, extra = h["settings"], h["extra"]
    if cls is None or not isinstance(settings, dict) or not isinstance(extra, dict):
        raise ValueError(f"{folder}: unknown agent {h['cls']!r} or bad settings")
    if not issubclass(cls, expected):  # it would have come back as another class
        raise ValueError(
            f"{folder}: holds a saved {cls.__name__}, not the {expected.__name__} asked for"
        )
    kw = {k: settings.get(k) for k in ("gamma", "alpha", "momentum")}
    kind_name = settings.get("momentum_kind")  # None: saved before kinds were recorded
    if kind_name is not None and not isinstance(kind_name, str):
        raise ValueError(f"{folder}: bad momentum_kind {kind_name!r}")
    kind = MOMENTA.get(kind_name)
    if kind_name is not None and kind is None and "momentum" not in overrides:
        # it loaded as a plain Momentum, and the run did not continue as saved
        raise ValueError(
            f"{folder}: the momentum was a {kind_name} when saved, not one of the library's "
            f"{sorted(MOMENTA)}: give it to load_adhdp (momentum=...)"
        )
    if kind is not None and kw["momentum"] is not None:
        kw["momentum"] = kind(kw["momentum"])
    kw.update(overrides)
    missing = [k for k in ("gamma", "alpha", "momentum") if kw.get(k) is None]
    if missing:
        raise ValueError(f"{folder}: {missing} were functions when saved: give them to load_adhdp")
    reservoir = ReservoirNode.load(os.path.join(folder, "reservoir.npz"))
    name_readout = h.get("readout")  # None: a folder saved before the header named it
    if name_readout is None:
        exists = os.path.exists(os.path.join(folder, "readout_td.npz"))
        name_readout = "readout_td.npz" if exists else "readout.npz"
    if name_readout == "readout_td.npz":
        readout = TDReadout.load(os.path.join(folder, name_readout))
    elif name_readout == "readout.npz":
        readout = load_readout(os.path.join(folder, name_readout))
    else:
        raise ValueError(f"{folder}: adhdp.json names an unknown readout file {name_readout!r}")
    readouts = {p: load_readout(os.path.join(folder, f"{p}.npz")) for p in cls.SAVED_READOUTS}
    try:
        args, extra = cls._saved_args(reservoir, readout, readouts, plant, policy, dict(extra))
        agent = cls(
            *args,
            init_steps=settings["init_steps"],
            action_offset=settings["action_offset"],
            action_scale=settings["action_scale"],
            **extra,
            **kw,
        )
    except (TypeError, KeyError, ValueError, OverflowError) as err:
        raise ValueError(f"{folder}: bad settings ({err})") from None
    arrays, _ = read_npz(os.path.join(folder, "adhdp.npz"), FORMAT, FORMAT_VERSION)
    a_curr, z = check_arrays(
        folder,
        arrays,
        {"a_curr": ((agent.action_dim,), "float64"), "z": ((readout.input_dim,), "float64")},
        finite=True,
    )
    try:  # a hand-edited or corrupted header: name the folder, load nothing
        episode, num_step = h["episode"], h["num_step"]
        if not (is_int(episode) and is_int(num_step) and episode >= 0 and num_step >= 0):
            raise ValueError(f"episode {episode!r} and num_step {num_step!r} must be ints >= 0")
        if not (isinstance(h["done"], bool) and isinstance(h["terminal"], bool)):
            raise ValueError("done and terminal must be booleans")
        s_curr = check_saved_signal(h["s_curr"])
        j_curr = float(h["j_curr"])
        if not np.isfinite(j_curr):
            raise ValueError(f"j_curr is not finite: {j_curr}")
        rng_state = h.get("rng")
        if rng_state is not None and hasattr(agent, "rng"):
            np.random.default_rng().bit_generator.state = rng_state  # valid before it is set
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise ValueError(f"{folder}: adhdp.json is not a valid saved state ({err})") from None
    agent.episode, agent.num_step = int(episode), int(num_step)
    agent.done, agent.terminal = h["done"], h["terminal"]
    agent.s_curr, agent.j_curr = s_curr, j_curr
    agent.a_curr, agent._z = a_curr.copy(), z.copy()
    if rng_state is not None and hasattr(agent, "rng"):
        agent.rng.bit_generator.state = rng_state
    if agent.episode:
        policy.update(agent.a_curr)
    return agent


__all__ = ["save_adhdp", "load_adhdp"]  # SavedADHDP is the classes' base, not for users
