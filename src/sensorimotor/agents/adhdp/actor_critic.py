"""HDPy's ``ActorCritic``: the control loop shared by the adaptive critics."""

from __future__ import annotations

import math

import numpy as np

from sensorimotor.agents.adhdp.momentum import Schedule, as_momentum
from sensorimotor.agents.adhdp.plant import check_plant
from sensorimotor.base.bounds import UNIT, is_int
from sensorimotor.base.names import renamed_keywords
from sensorimotor.nets.reservoir import check_input

# HDPy's ActorCritic and ADHDP take norm=PuPy.Normalization: its users pass it
HDPY_NAMES = {
    "norm": (
        "no PuPy normalisation; the plant scales the state (GymPlant's scales=) "
        "and ADHDP the action (action_scale=, action_offset=)"
    )
}


class ActorCritic:
    r"""An actor-critic driving a ``sensorimotor.Environment`` one control period at a time
    (HDPy's ``ActorCritic``; the template, the learning is in :meth:`_step`).

    The critic estimates the return :math:`J_t = \sum_{k \ge 0} \gamma^k r_{t+k+1}`; the
    actor improves the action on it, :math:`a_{t+1} = a_t + \alpha\, \partial J/\partial a`
    (see :class:`~sensorimotor.agents.adhdp.adhdp.ADHDP`), with a momentum ``m``:
    :math:`a_{t+1} = m\, a_t + (1 - m)\, a^*`.

    ``plant`` (a :class:`~sensorimotor.agents.adhdp.plant.Plant`) gives state, reward and
    terminal states; ``policy`` (a :class:`~sensorimotor.agents.adhdp.policy.Policy`) turns the
    action into motor signals. ``gamma``, ``alpha`` and ``momentum`` are constants or
    functions of ``(episode, step)``, or of the step alone as in HDPy (``momentum`` also a
    :class:`~sensorimotor.agents.adhdp.momentum.Momentum`). For the first ``init_steps`` control
    periods of an episode the actor only observes (:meth:`init_episode`). HDPy's code
    compares the step count before incrementing it and so observes for ``init_steps +
    1`` periods (its documentation leaves this open); here ``init_steps`` periods, so with
    the default of 1 learning starts one transition earlier than there.

    A call ``ac(env)`` is one control period: the policy's motor signals go to
    ``env.execute`` (stopping early at a terminal state, or where a plant with a
    ``truncated`` method says the episode was cut short), the plant reads the last
    sensory signal, and ``_step(s_curr, s_next, a_curr, reward)`` returns the next action,
    which the policy takes. It returns the last feedback. After a terminal state the
    episode is over (``done``); :meth:`new_episode` starts the next (give it the start's
    sensory signal when a policy needs it, as a relative heading does).

    Subclasses override ``_step``, calling ``_next_action_hook(a_next)`` as soon as the
    next action is known (it may alter it) and ``_pre_increment_hook(**internals)``
    before returning. A ``collector`` (an object with ``append(record)`` and
    ``end_episode()``, such as :class:`sensorimotor.run.EpisodeLog`) receives, at every
    step, a dict of the sensory signal's channels and the internals passed to
    ``_pre_increment_hook``, and ``end_episode()`` when an episode ends (a terminal
    state, or the next :meth:`new_episode`).

    >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
    >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
    >>> env = CartPoleADP({'seed': 0})
    >>> ac = ActorCritic(CartPoleBalance(), ChannelPolicy(env.m_channels), gamma=0.95)
    >>> ac.new_episode(env.reset())
    >>> while not ac.done:
    ...     _ = ac(env)   # the template keeps the action: zero force until the pole falls
    >>> print(ac.num_step)
    43
    """

    @renamed_keywords("ActorCritic", "HDPy", HDPY_NAMES)
    def __init__(
        self,
        plant,
        policy,
        gamma=1.0,
        alpha=1.0,
        init_steps: int = 1,
        momentum=0.0,
        collector=None,
    ):
        check_plant(plant)
        if collector is not None and not all(
            callable(getattr(collector, n, None)) for n in ("append", "end_episode")
        ):
            raise TypeError("collector must have methods append(record) and end_episode()")
        self.collector = collector
        for name in ("initial_action", "update", "motor_signals"):
            if not callable(getattr(policy, name, None)):
                raise TypeError(
                    f"policy: {type(policy).__name__} has no method {name} (see Policy)"
                )
        if not is_int(init_steps) or init_steps < 0:  # NumPy ints too, as dimensions
            raise ValueError(f"init_steps must be an int >= 0, got {init_steps!r}")
        init_steps = int(init_steps)
        self.plant, self.policy = plant, policy
        self.state_dim = int(plant.state_space_dim())
        self.action_dim = int(np.size(policy.initial_action()))
        self.set_gamma(gamma)
        self.set_alpha(alpha)
        self.set_momentum(momentum)
        self.init_steps = init_steps
        self.episode, self.num_step = 0, 0
        self.s_curr, self.a_curr = None, None
        self.done, self.terminal = True, False

    # -- settings (HDPy's setters) --------------------------------------------------------
    def set_gamma(self, gamma) -> None:
        """Set the discount, a constant in ``[0, 1]`` or a function of ``(episode, step)``
        (or of the step alone, HDPy's function of the time)."""
        self.gamma = Schedule(gamma, "gamma", UNIT)

    def set_alpha(self, alpha) -> None:
        """Set the action step size, a constant or a function of ``(episode, step)`` (or
        of the step alone)."""
        self.alpha = Schedule(alpha, "alpha")

    def set_momentum(self, momentum) -> None:
        """Set the momentum: a number in ``[0, 1]``, a function or a ``Momentum``."""
        self.momentum = as_momentum(momentum)

    # -- the loop -------------------------------------------------------------------------
    def new_episode(self, s_signal=None) -> None:
        """Start an episode: reset plant and policy, take the initial action. With
        ``s_signal`` (the start's sensory signal) the start is observed (as a control
        period of :meth:`init_episode`, not counted in ``num_step``). A bad start (a
        missing or non-finite channel) is refused before anything changes."""
        if s_signal is not None:
            self.check_state(self.plant.state_input(s_signal))
        if self.collector is not None and not self.done:
            self.collector.end_episode()
        self.plant.reset()
        if callable(getattr(self.policy, "reset", None)):
            self.policy.reset()
        a = self.check_action(self.policy.initial_action())
        self.episode += 1
        self.num_step = 0
        self.s_curr, self.a_curr = None, a
        self.done, self.terminal = False, False
        self.policy.update(a)
        self._new_episode_hook()
        if s_signal is not None:
            self.init_episode(s_signal)
            self.s_curr = s_signal

    def _new_episode_hook(self) -> None:
        """Subclasses reset their per-episode state here (a reservoir)."""

    def __call__(self, env):
        """One control period on ``env`` (see the class docstring); the last feedback."""
        if self.done:
            if self.episode:
                raise RuntimeError("the episode is over (terminal state): call new_episode()")
            self.new_episode()
        feedback = None
        truncated = getattr(self.plant, "truncated", None)  # optional (see Plant)
        for m_signal in self.policy.motor_signals(self.s_curr):
            feedback = env.execute(m_signal)
            s = feedback["s_signal"]
            # past a time limit the environment takes no further step of this period
            if self.plant.terminal(s) or (truncated is not None and truncated(s)):
                break
        if feedback is None:
            raise RuntimeError("the policy produced no motor signal for the control period")
        s_next = feedback["s_signal"]
        reward = self._check_reward(self.plant.reward(s_next))
        terminal = bool(self.plant.terminal(s_next))
        if self.num_step < self.init_steps or self.s_curr is None:
            self.init_episode(s_next)
            a_next = self.a_curr
        else:
            previous, self.terminal = self.terminal, terminal  # _step reads it
            try:
                a_next = self._step(self.s_curr, s_next, self.a_curr, reward)
            except BaseException:  # a refused step leaves the agent as it was
                self.terminal = previous
                raise
        self.num_step += 1
        self.terminal = self.done = terminal
        self.policy.update(a_next)
        self.s_curr, self.a_curr = s_next, a_next
        if terminal and self.collector is not None:
            self.collector.end_episode()
        return feedback

    def init_episode(self, s_signal) -> None:
        """The initial control periods: observe ``s_signal`` (default: nothing more)."""

    def _step(self, s_curr, s_next, a_curr, reward):
        """The next action (the template keeps ``a_curr``). ``self.terminal`` says whether
        ``s_next`` is terminal."""
        a_next = self._next_action_hook(a_curr)
        self._pre_increment_hook(s_next=s_next, a_next=a_next, reward=reward)
        return a_next

    def _next_action_hook(self, a_next):
        """Post-process the proposed next action; return it (default: as it is)."""
        return a_next

    def _pre_increment_hook(self, s_next=None, **internals) -> None:
        """Called by ``_step`` with its internals before the step counter moves: hands the
        sensory signal and the internals to the collector, if any."""
        if self.collector is not None:
            record = {} if s_next is None else {k: float(v) for k, v in s_next.items()}
            record.update(internals)
            self.collector.append(record)

    # -- checks ---------------------------------------------------------------------------
    def check_state(self, state) -> np.ndarray:
        """``state`` as a float vector ``(state_dim,)``; an error naming ``state`` if not."""
        return check_input("state", state, (self.state_dim,), np.float64)

    def _check_reward(self, reward) -> float:
        """The plant's ``reward`` as a float, refused before anything changes if it is not a
        finite number (a NaN or inf would reach the critic's error, or DirectHDP's weights)."""
        if isinstance(reward, bool | np.bool_ | str | bytes):
            raise TypeError(f"reward must be a number, got {reward!r} from the plant")
        try:
            value = float(reward)
        except (TypeError, ValueError):
            raise TypeError(f"reward must be a number, got {reward!r} from the plant") from None
        if not math.isfinite(value):
            raise ValueError(f"reward must be finite, got {value} from the plant")
        return value

    def check_action(self, action) -> np.ndarray:
        """``action`` as a float vector ``(action_dim,)``; an error naming ``action`` if not."""
        return check_input("action", action, (self.action_dim,), np.float64)


__all__ = ["ActorCritic"]
