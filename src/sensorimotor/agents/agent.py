"""What every agent shares, in Stable-Baselines3's shape: made on an environment, checked
observations, ``predict -> (action, None)``, ``save`` and ``load`` (npz + JSON header, no
pickle).

An agent is ``Agent(env, *, seed=0, **hyperparameters)``: ``env`` a Gymnasium environment
or a registered id (``gymnasium.make(id)``); the hyperparameters go into the agent's frozen
config (its ``CONFIG`` class), which checks them against declared bounds and names a bad
one. Everything an agent draws comes from ``seed``, so a run is repeatable.

A subclass says how it acts (:meth:`Agent._act`), what it learns (``learn``), and which
arrays and header fields make it whole (:meth:`Agent._arrays`, :meth:`Agent._restore`);
this class does the rest. The save file is one ``.npz``: every array of the agent
(networks, optimiser state, replay buffer, counters) and a JSON header with the format
name and version, the agent's class, its config, seed, spaces and random state.
"""

from __future__ import annotations

import dataclasses
import inspect
import os

import gymnasium as gym
import jax
import numpy as np

from sensorimotor.base.bounds import check_count, check_flag, check_seed_range, is_int
from sensorimotor.base.non_negative import first_negative
from sensorimotor.base.saved_file import (
    check_arrays,
    find_saved_class,
    make_header,
    read_npz,
    write_npz,
)
from sensorimotor.nets.mlp import loading_saved_network

__all__ = ["Agent"]

FORMAT = "sensorimotor.agent"
FORMAT_VERSION = 1
_HEADER_KEYS = ("agent", "module", "config", "seed", "observation_shape", "n_actions")
# Files written before the agents moved into one folder per algorithm name the module the
# class had then; loading looks the class up in its module of now.
_MOVED_MODULES = {
    "sensorimotor.agents.behavioral_cloning": "sensorimotor.agents.imitation.behavioral_cloning",
    "sensorimotor.agents.dagger": "sensorimotor.agents.imitation.dagger",
    "sensorimotor.agents.dqn": "sensorimotor.agents.dqn.dqn",
    "sensorimotor.agents.reinforce": "sensorimotor.agents.reinforce.reinforce",
    "sensorimotor.agents.stream_ac": "sensorimotor.agents.stream.stream_ac",
    "sensorimotor.agents.stream_agent": "sensorimotor.agents.stream.stream_agent",
    "sensorimotor.agents.stream_q": "sensorimotor.agents.stream.stream_q",
}


def make_env(env):
    """``(env, env_id)``: a Gymnasium env as given (its spec's id, if any), or a
    registered id made with ``gymnasium.make``."""
    if isinstance(env, str):
        if env in _SB3_POLICIES:  # DQN("MlpPolicy", env=env) or DQN("MlpPolicy")
            raise ValueError(
                f"env: {env!r} is an SB3 policy name, not an environment; an agent here "
                "takes the environment alone, DQN(env, ...), and its network's widths as "
                "net_arch"
            )
        try:
            return gym.make(env), env
        except gym.error.Error as err:
            raise ValueError(f"env: cannot make {env!r} ({err})") from None
    if isinstance(env, gym.vector.VectorEnv) or (
        not isinstance(env, gym.Env) and is_int(getattr(env, "num_envs", None))
    ):
        # Gymnasium's or SB3's vectorised env: SB3 takes one, here an agent steps one env
        raise TypeError(
            f"env: a vectorised environment ({env!r}) is not taken: an agent learns on one "
            "environment, step by step; pass one (gymnasium.make(id), or the id). Many seeds "
            "at once train compiled, with make_train on a JAX environment"
        )
    if not isinstance(env, gym.Env):
        raise TypeError(f"env must be a Gymnasium environment or a registered id, got {env!r}")
    spec = getattr(env, "spec", None)
    return env, getattr(spec, "id", None)


def box_observation_shape(env, name: str) -> tuple[int, ...]:
    """The shape of ``env``'s observations, which must be a ``Box``; a ``ValueError``
    naming ``name`` and the wrapper that makes a Box of the other spaces otherwise.

    >>> import gymnasium as gym
    >>> box_observation_shape(gym.make("CartPole-v1"), "DQN")
    (4,)
    >>> env = gym.wrappers.FlattenObservation(gym.make("FrozenLake-v1"))
    >>> box_observation_shape(env, "DQN")  # Discrete(16), one-hot
    (16,)
    """
    space = env.observation_space
    if not isinstance(space, gym.spaces.Box):
        # SB3 one-hots a Discrete observation and has a policy for Dict ones; here the
        # user chooses the encoding, and Gymnasium's wrapper is the one SB3's matches
        raise ValueError(
            f"{name} needs a Box observation space; env.observation_space is "
            f"{type(space).__name__} ({space}). gymnasium.wrappers.FlattenObservation(env) "
            "makes a Box of Discrete (one-hot), MultiDiscrete, Tuple and Dict observations"
        )
    return tuple(int(d) for d in space.shape)


def generator_from_state(state) -> np.random.Generator:
    """A NumPy generator set to a saved ``bit_generator.state`` (a bad state raises
    ``TypeError``, ``ValueError`` or ``OverflowError``: the loaders name their file).

    >>> rng = np.random.default_rng(3)
    >>> generator_from_state(rng.bit_generator.state).random() == rng.random()
    True
    """
    rng = np.random.default_rng()
    try:
        rng.bit_generator.state = state
    except KeyError as err:  # NumPy's message for a state without one of its keys
        raise ValueError(f"a generator state needs the key {err}") from None
    return rng


def real_array(obs, name: str) -> np.ndarray:
    """``obs`` as a NumPy array of real numbers (bool, int or float dtype, not yet
    converted); a ``TypeError`` naming ``name`` otherwise. Strings are refused, not parsed
    (``np.asarray(["1"], float)`` would read them), and complex numbers are refused, not
    cut to their real part."""
    try:
        arr = np.asarray(obs)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {obs!r}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be an array of numbers (bool, int or float), got dtype {arr.dtype}: "
            f"{obs!r}"
        )
    return arr


def check_probability(name: str, value) -> float:
    """``value`` as a float in ``[0, 1]`` (a saved exploration rate); a ``ValueError``
    naming ``name`` otherwise (NaN too)."""
    value = float(value)
    if not 0.0 <= value <= 1.0:  # False for NaN
        raise ValueError(f"{name} {value} is not a probability in [0, 1]")
    return value


def check_bounds(low, high, n: int, bounded: bool) -> tuple[np.ndarray, np.ndarray]:
    """Saved action bounds as float64 arrays ``(n,)``; a ``ValueError`` saying what is
    wrong otherwise. ``bounded``: finite with ``low < high`` (what a policy agent accepts
    of an env); else no NaN and ``low <= high`` (StreamAC takes any Box, inf bounds too)."""
    low, high = np.asarray(low, np.float64), np.asarray(high, np.float64)
    if low.shape != (n,) or high.shape != (n,):
        raise ValueError(f"action bounds of shapes {low.shape}, {high.shape}; expected ({n},)")
    if bounded:
        ok = np.isfinite(low).all() and np.isfinite(high).all() and (low < high).all()
        rule = "finite with low < high"
    else:
        ok = (low <= high).all()  # False for NaN
        rule = "low <= high, no NaN"
    if not ok:
        raise ValueError(f"action bounds low {low.tolist()}, high {high.tolist()} are not {rule}")
    return low, high


#: SB3's policy names, which its agents take before the environment
_SB3_POLICIES = ("MlpPolicy", "CnnPolicy", "MultiInputPolicy")


def refuse_sb3_policy(owner: str, takes: str, args: tuple, hyperparameters: dict) -> None:
    """A ``TypeError`` for SB3's ``DQN("MlpPolicy", env)``: positional arguments after
    ``takes`` (``args``), or a ``policy`` among the hyperparameters. Without it, the first
    line of every SB3 script met Python's ``takes 2 positional arguments but 3 were
    given``, which says nothing of the policy.

    >>> refuse_sb3_policy("DQN", "env", ("CartPole-v1",), {})
    Traceback (most recent call last):
    ...
    TypeError: DQN is called as DQN(env, seed=0, **hyperparameters), with no policy: SB3's DQN("MlpPolicy", env, ...) is DQN(env, ...) here; the network's hidden widths are the hyperparameter net_arch
    """
    if args or "policy" in hyperparameters:
        raise TypeError(
            f"{owner} is called as {owner}({takes}, seed=0, **hyperparameters), with no "
            f'policy: SB3\'s {owner}("MlpPolicy", {takes}, ...) is {owner}({takes}, ...) '
            "here; the network's hidden widths are the hyperparameter net_arch"
        )


def check_callback(callback) -> None:
    """A ``TypeError`` unless ``callback`` is ``None`` or callable as ``callback(agent)``.

    Checked before ``learn`` takes a step: SB3's function callbacks take
    ``(locals_, globals_)``, and one of them would otherwise fail at the first step, with
    Python's message about a missing argument and the step already taken.

    >>> check_callback(lambda agent: None)
    >>> check_callback(lambda locals_, globals_: True)
    Traceback (most recent call last):
    ...
    TypeError: callback is called as callback(agent), with the agent alone, but it takes (locals_, globals_): SB3's callback(locals_, globals_) and its callback classes are not taken
    """
    if callback is None:
        return
    if not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    try:
        signature = inspect.signature(callback)
    except (TypeError, ValueError):  # a builtin without a signature: called as given
        return
    try:
        signature.bind(None)
    except TypeError:
        raise TypeError(
            f"callback is called as callback(agent), with the agent alone, but it takes "
            f"{signature}: SB3's callback(locals_, globals_) and its callback classes are "
            "not taken"
        ) from None


def check_seed(seed) -> int:
    return check_seed_range("seed", seed)


def tree_arrays(prefix: str, tree) -> dict:
    """``{prefix/0: leaf, ...}``: a pytree's leaves as NumPy arrays, in flatten order."""
    leaves = jax.tree_util.tree_leaves(tree)
    return {f"{prefix}/{i}": np.asarray(leaf) for i, leaf in enumerate(leaves)}


def tree_from_arrays(path, arrays: dict, prefix: str, like, to=np.asarray):
    """The pytree shaped like ``like`` whose leaves are ``arrays[prefix/i]`` (checked:
    present, same shape and dtype, finite, and no count, second moment or counter below
    zero); a ``ValueError`` naming ``path`` otherwise."""
    leaves, treedef = jax.tree_util.tree_flatten(like)
    expected = {
        f"{prefix}/{i}": (np.shape(leaf), np.asarray(leaf).dtype) for i, leaf in enumerate(leaves)
    }
    mine = {k: v for k, v in arrays.items() if k.startswith(prefix + "/")}
    got = check_arrays(path, mine, expected, finite=True)
    bad = first_negative(like, got)  # Adam's count and second moment, counters, ...
    if bad is not None:
        i, field = bad
        raise ValueError(
            f"{path}: array '{prefix}/{i}' ({prefix}{field}) is negative, which no update makes"
        )
    return jax.tree_util.tree_unflatten(treedef, [to(a) for a in got])


class Agent:
    """The shared half of an agent (see the module). Not used alone: a subclass sets
    ``CONFIG`` and implements ``_setup``, ``_act``, ``learn``, ``_arrays`` and ``_restore``.

    Attributes:
        env: the Gymnasium environment (``None`` for an agent loaded without one: it
            predicts but cannot learn).
        env_id: the environment's registered id, if it has one (saved with the agent).
        config: the frozen hyperparameters.
        seed: the seed everything the agent draws comes from.
        observation_shape: the shape of one observation.
        n_actions: the number of discrete actions.
        num_timesteps: environment steps taken by ``learn`` (SB3's counter).

    What every agent does the same way, shown with a DQN: a bad hyperparameter is named
    at construction, and ``Agent.load`` gives back the saved agent's own class.

    >>> import os, tempfile
    >>> from sensorimotor.agents import DQN, Agent
    >>> DQN("CartPole-v1", gamma=2.0)
    Traceback (most recent call last):
    ...
    ValueError: DQNConfig.gamma must be a finite number in [0, 1], got 2.0
    >>> agent = DQN("CartPole-v1", seed=3, buffer_size=100, net_arch=[16])
    >>> path = os.path.join(tempfile.mkdtemp(), "agent.npz")
    >>> agent.save(path)
    >>> back = Agent.load(path)  # without an env: it predicts, and learns once given one
    >>> obs = np.zeros((5, 4), np.float32)  # a batch of observations
    >>> same = (back.predict(obs)[0] == agent.predict(obs)[0]).all()
    >>> print(type(back).__name__, back.seed, back.env, same)
    DQN 3 None True
    """

    CONFIG: type

    def __init__(self, env, *sb3_args, seed=0, **hyperparameters):
        name = type(self).__name__
        refuse_sb3_policy(name, "env", sb3_args, hyperparameters)
        self.config = self.CONFIG.from_kwargs(name, hyperparameters)
        self.seed = check_seed(seed)
        self.env, self.env_id = make_env(env)
        self.observation_shape, self.n_actions = self._spaces(self.env)
        self.num_timesteps = 0
        self._predict_rng = self._fresh_predict_rng()
        self._setup()

    def _fresh_predict_rng(self) -> np.random.Generator:
        """The generator behind ``predict(deterministic=False)``, every agent's own: saved
        with it, and drawn from ``seed`` apart from what ``learn`` draws."""
        return np.random.default_rng([self.seed, 1])

    # -- what a subclass provides ----------------------------------------------------
    def _setup(self) -> None:
        raise NotImplementedError

    def _act(self, obs, deterministic: bool):
        """Actions for a batch ``(n, *observation_shape)`` float32 of checked
        observations: an int array ``(n,)``."""
        raise NotImplementedError

    def _arrays(self) -> tuple[dict, dict]:
        """``(arrays, header_fields)`` that make the agent whole."""
        raise NotImplementedError

    def _restore(self, path, arrays: dict, header: dict) -> None:
        """Set the agent's state from a file's arrays and header (checked, naming
        ``path``)."""
        raise NotImplementedError

    # -- spaces and checks -----------------------------------------------------------
    def _spaces(self, env):
        name = type(self).__name__
        space = env.action_space
        if not isinstance(space, gym.spaces.Discrete):
            raise ValueError(
                f"{name} needs a Discrete action space; env.action_space is "
                f"{type(space).__name__} ({space})"
            )
        if space.start != 0:
            raise ValueError(f"{name}: the Discrete action space must start at 0, got {space}")
        return box_observation_shape(env, name), int(space.n)

    def action_space_differs(self, space) -> str | None:
        """``None`` when the agent acts in the Gymnasium action space ``space``, else the
        agent's own action space, described (``evaluate`` names it beside the env's).

        >>> from sensorimotor.agents import DQN
        >>> agent = DQN("CartPole-v1", net_arch=[8])
        >>> print(agent.action_space_differs(gym.spaces.Discrete(2)),
        ...       agent.action_space_differs(gym.spaces.Discrete(3)))
        None Discrete(2)
        """
        if (
            isinstance(space, gym.spaces.Discrete)
            and int(space.start) == 0
            and int(space.n) == self.n_actions
        ):
            return None
        return f"Discrete({self.n_actions})"

    def check_obs(self, obs, name: str = "obs") -> tuple[np.ndarray, bool]:
        """``(batch, single)``: ``obs`` as a float32 batch ``(n, *observation_shape)`` and
        whether it was one observation; ``ValueError`` naming ``name`` for a wrong shape,
        NaN or inf, ``TypeError`` for a non-number."""
        # a copy: a batch kept by the caller (DAgger's dataset) must not follow an env that
        # updates its observation array in place (SB3's DummyVecEnv copies too)
        arr = np.array(real_array(obs, name), dtype=np.float32)
        shape = self.observation_shape
        if arr.shape == shape:
            single, arr = True, arr[None]
        elif arr.ndim == len(shape) + 1 and arr.shape[1:] == shape:
            if arr.shape[0] == 0:  # else named (n, ...): the shape it has, to the reader
                raise ValueError(
                    f"{name} is an empty batch, of shape {arr.shape}: a batch holds at least "
                    "one observation"
                )
            single = False
        else:
            raise ValueError(
                f"{name} has shape {arr.shape}; expected {shape} (one observation) or "
                f"(n, {', '.join(map(str, shape))}) (a batch)"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} holds NaN or inf: {obs!r}")
        return arr, single

    # -- SB3's face --------------------------------------------------------------------
    def predict(self, obs, state=None, episode_start=None, deterministic: bool = True):
        """``(action, None)`` for ``obs`` (SB3's signature: ``state`` and
        ``episode_start`` are for recurrent policies and ignored).

        ``obs`` is one observation (the action is a NumPy int) or a batch ``(n, ...)``
        (an int array ``(n,)``). ``deterministic=False`` explores as in training.
        """
        check_flag("deterministic", deterministic)
        batch, single = self.check_obs(obs)
        actions = np.asarray(self._act(batch, deterministic), dtype=np.int64)
        return (actions[0] if single else actions), None

    def _begin_learning(self, total_timesteps, callback, progress_bar=False, reset=True):
        """``(total, env)`` for ``learn``: the step count checked, the callback callable
        (or None), ``progress_bar`` and ``reset_num_timesteps`` (``reset``) True or False,
        and the environment to learn on."""
        total = check_count("total_timesteps", total_timesteps)
        check_callback(callback)
        check_flag("progress_bar", progress_bar)
        check_flag("reset_num_timesteps", reset)
        return total, self._need_env()

    def _env_obs(self, obs) -> np.ndarray:
        """An observation the environment returned, as a float32 copy; a ``ValueError``
        naming the environment (not the caller) for a wrong shape, NaN or inf."""
        try:
            arr = real_array(obs, "the environment's observation")
        except TypeError as err:
            raise ValueError(str(err)) from None
        # a copy, as SB3's DummyVecEnv makes: an env may update the array it returned in
        # place at its next step, which would rewrite what the agent stored
        arr = np.array(arr, dtype=np.float32)
        if arr.shape != self.observation_shape or not np.isfinite(arr).all():
            raise ValueError(
                f"the environment returned an observation of shape {arr.shape} (expected "
                f"{self.observation_shape}, finite): {obs!r}"
            )
        return arr

    def _reset_env(self, env) -> np.ndarray:
        """A new episode of ``env``, its seed drawn from the agent's generator: the first
        observation, checked (:meth:`_env_obs`)."""
        obs, _ = env.reset(seed=int(self._rng.integers(2**31)))
        return self._env_obs(obs)

    def _snapshot(self) -> tuple[dict, dict]:
        """The agent's attributes and its generators' states, for :meth:`_undo`. Only for
        a ``learn`` that replaces its attributes (networks, counters, datasets) rather than
        changing them in place: the attributes are kept by reference, the generators
        (which draw in place) by state."""
        attrs = dict(vars(self))
        states = {
            name: value.bit_generator.state
            for name, value in attrs.items()
            if isinstance(value, np.random.Generator)
        }
        return attrs, states

    def _undo(self, snapshot) -> None:
        """Put the agent back as it was at :meth:`_snapshot` (a ``learn`` that raised: the
        agent is as before the call; the environment is not, but the next episode starts
        from a reset drawn from the restored generator)."""
        attrs, states = snapshot
        vars(self).clear()
        vars(self).update(attrs)
        for name, state in states.items():
            getattr(self, name).bit_generator.state = state

    def _need_env(self):
        if self.env is None:
            raise ValueError(
                f"{type(self).__name__} has no environment (loaded without one): pass env "
                "to load() to learn"
            )
        return self.env

    def save(self, path) -> None:
        """Write the agent to ``path`` (``.npz``, atomically; no suffix is added)."""
        arrays, fields = self._arrays()
        header = make_header(
            FORMAT,
            FORMAT_VERSION,
            agent=type(self).__name__,
            module=type(self).__module__,
            config=dataclasses.asdict(self.config),
            seed=self.seed,
            observation_shape=list(self.observation_shape),
            n_actions=self.n_actions,
            env_id=self.env_id,
            num_timesteps=self.num_timesteps,
            predict_rng_state=self._predict_rng.bit_generator.state,
            **fields,
        )
        write_npz(path, arrays, header)

    @classmethod
    def load(cls, path, env=None):
        """The agent saved at ``path``; ``env`` (an env or an id) to go on learning.

        With ``env=None`` the agent has no environment (it predicts; to learn, pass one).
        A file that is not a saved agent of this class, or whose arrays do not fit, is a
        ``ValueError`` naming ``path``; an ``env`` whose spaces differ from the saved
        ones is a ``ValueError`` too.
        """
        path = os.fspath(path)
        arrays, header = read_npz(path, FORMAT, FORMAT_VERSION, _HEADER_KEYS)
        try:
            module = str(header["module"])
            module = _MOVED_MODULES.get(module, module)
            saved = find_saved_class(Agent, str(header["agent"]), module, asked=cls)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None
        if not issubclass(saved, cls):
            raise ValueError(
                f"{path}: holds a saved {saved.__name__}, not the {cls.__name__} asked for"
            )
        agent = saved.__new__(saved)
        try:
            # a setting newer than the file: the value its agent ran with, not today's default
            config = {**getattr(saved.CONFIG, "BEFORE_SETTING", {}), **dict(header["config"])}
            agent.config = saved.CONFIG.from_kwargs(saved.__name__, config)
            agent.seed = check_seed(header["seed"])
            # int() would read 2.5 as 2, True as 1 and "3" as 3 from a hand-edited header
            shape, n_actions = header["observation_shape"], header["n_actions"]
            num_timesteps = header.get("num_timesteps", 0)
            if not (isinstance(shape, list) and all(is_int(d) for d in shape)):
                raise ValueError(f"observation_shape must be a list of ints, got {shape!r}")
            if not is_int(n_actions):
                raise ValueError(f"n_actions must be an int, got {n_actions!r}")
            if not is_int(num_timesteps) or num_timesteps < 0:
                raise ValueError(f"num_timesteps must be a non-negative int, got {num_timesteps!r}")
            agent.observation_shape = tuple(int(d) for d in shape)
            agent.n_actions, agent.num_timesteps = int(n_actions), int(num_timesteps)
            if not all(0 < d <= 2**31 for d in agent.observation_shape):
                raise ValueError(f"observation_shape {agent.observation_shape}")
            if not 0 < agent.n_actions <= 2**31:
                raise ValueError(f"n_actions {agent.n_actions}")
        except (TypeError, ValueError, AttributeError, OverflowError) as err:
            raise ValueError(f"{path}: the header does not describe an agent ({err})") from None
        agent.env_id = header.get("env_id")
        agent.env = None
        if env is not None:
            agent.env, env_id = make_env(env)
            agent.env_id = env_id or agent.env_id
            spaces = agent._spaces(agent.env)
            if spaces != (agent.observation_shape, agent.n_actions):
                raise ValueError(
                    f"env: its observation shape and action count {spaces} differ from the "
                    f"saved agent's {(agent.observation_shape, agent.n_actions)} ({path})"
                )
        agent._predict_rng = agent._fresh_predict_rng()
        # the networks built here only take the file's arrays: one the library now refuses
        # to start fresh (a sparse network that can never learn) loads as it was saved
        with loading_saved_network():
            try:  # the networks the header describes: sizes a hand edit can make absurd
                agent._setup()
            except (TypeError, ValueError, OverflowError, MemoryError) as err:
                raise ValueError(f"{path}: the header does not describe an agent ({err})") from None
            agent._restore(path, arrays, header)
        if "predict_rng_state" in header:  # a file from before it was saved: the fresh one
            try:
                agent._predict_rng = generator_from_state(header["predict_rng_state"])
            except (TypeError, ValueError, OverflowError) as err:
                raise ValueError(
                    f"{path}: predict_rng_state is not a generator state ({err})"
                ) from None
        return agent

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.env_id or self.env!r}, seed={self.seed}, {self.config})"
        )
