"""HDPy's variants of ADHDP's actor: ``ActionGradient``, ``ActionRecomputation``,
``ActionBruteForce``."""

from __future__ import annotations

import numpy as np

from sensorimotor.agents.adhdp.adhdp import ADHDP
from sensorimotor.base.bounds import COUNT, NON_NEGATIVE, check_value


class ActionGradient(ADHDP):
    r""":class:`ADHDP` whose actor climbs the critic to a maximum at each step (HDPy's
    ``ActionGradient``): from :math:`a_t`, repeat

    .. math::  a \leftarrow a + \alpha\, \partial J(s_{t+1}, a) / \partial a

    (the reservoir state fixed) until :math:`\|\partial J/\partial a\| <` ``threshold`` or
    ``max_iterations`` steps, then apply the momentum. Keyword arguments beside
    :class:`ADHDP`'s: ``threshold`` (1e-4), ``max_iterations`` (20). HDPy's defaults are
    1e-15 and 500, which on a robot's control period mean "until the iterations run
    out"; here the loop stops when the critic is flat, checks the gradient before each
    step (HDPy steps first) and bounds every iterate by the policy (HDPy applies its
    hook at every iteration, here once, after the momentum).

    >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
    >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
    >>> from sensorimotor.reservoir import PlainRLS, ReservoirNode
    >>> env = CartPoleADP({'seed': 0})
    >>> agent = ActionGradient(ReservoirNode(5, 20, seed=0), PlainRLS(25, 1), CartPoleBalance(),
    ...                        ChannelPolicy(env.m_channels), alpha=5.0, action_scale=10.0,
    ...                        max_iterations=5)
    >>> agent.new_episode(env.reset())
    >>> for _ in range(20):
    ...     _ = agent(env)
    >>> print(agent.readout.count)
    19
    """

    def __init__(self, *args, threshold: float = 1e-4, max_iterations: int = 20, **kwargs):
        self.threshold = float(check_value("ActionGradient", "threshold", threshold, NON_NEGATIVE))
        self.max_iterations = int(
            check_value("ActionGradient", "max_iterations", max_iterations, COUNT)
        )
        super().__init__(*args, **kwargs)

    def _propose(self, state, a_curr):
        alpha = self.alpha(self.episode, self.num_step)
        a, first = a_curr, None
        for _ in range(self.max_iterations):
            grad = self.action_gradient(state, a)
            first = grad if first is None else first
            if np.linalg.norm(grad) < self.threshold:
                break
            a = self.policy.bound(a + alpha * grad)
        return self.momentum(a_curr, a, self.episode, self.num_step), first

    def _settings(self) -> dict:
        return dict(threshold=self.threshold, max_iterations=self.max_iterations)


class ActionRecomputation(ADHDP):
    """:class:`ADHDP` that proposes the next action twice (HDPy's
    ``ActionRecomputation``): once as ADHDP does, for the critic's TD target, and again
    after the critic has learnt from it, with the updated critic; the second is applied.
    Both gradients are taken at :math:`(s_{t+1}, a_t)`, as ADHDP's; HDPy's code takes the
    second at the first proposal :math:`a_{t+1}` instead.

    >>> from sensorimotor.agents.adhdp.policy import ChannelPolicy
    >>> from sensorimotor.envs import CartPoleADP, CartPoleBalance
    >>> from sensorimotor.reservoir import PlainRLS, ReservoirNode
    >>> env = CartPoleADP({'seed': 0})
    >>> agent = ActionRecomputation(ReservoirNode(5, 20, seed=0), PlainRLS(25, 1),
    ...     CartPoleBalance(), ChannelPolicy(env.m_channels), alpha=5.0, action_scale=10.0)
    >>> agent.new_episode(env.reset())
    >>> for _ in range(20):
    ...     _ = agent(env)
    >>> print(agent.readout.count)
    19
    """

    def _after_training(self, state, a_curr, a_next, grad):
        return self._propose(state, a_curr)


class ActionBruteForce(ADHDP):
    r""":class:`ADHDP` whose actor picks, among ``candidates`` (a list of actions, or an
    array ``(K, action_dim)``), the one of highest :math:`J(s_{t+1}, a)` (HDPy's
    ``ActionBruteForce``); among tied candidates the one nearest the current action (a
    critic without preference changes nothing; HDPy keeps the first). As in HDPy's code
    the action moves a share ``alpha`` of the way to that candidate,
    :math:`a_{t+1} = a_t + \alpha\,(a^* - a_t)` (bounded by the policy where ``alpha`` > 1),
    so the default ``alpha`` of 1 jumps to it. The momentum is not applied.

    >>> import math
    >>> from sensorimotor.agents.adhdp.policy import HeadingPolicy
    >>> from sensorimotor.envs import CollisionAvoidanceFrontal, Epuck2D
    >>> from sensorimotor.reservoir import PlainRLS, ReservoirNode
    >>> robot = Epuck2D()
    >>> turns = np.linspace(-math.pi, math.pi, 8, endpoint=False)[:, None]
    >>> agent = ActionBruteForce(turns, ReservoirNode(4, 20, seed=0), PlainRLS(24, 1),
    ...     CollisionAvoidanceFrontal(), HeadingPolicy(), gamma=0.9, action_scale=math.pi)
    >>> agent.new_episode(robot.reset(seed=0))
    >>> for _ in range(10):
    ...     _ = agent(robot)
    >>> print(agent.candidates.shape)
    (8, 1)
    """

    def __init__(self, candidates, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            c = np.asarray(candidates, dtype=np.float64)
        except (TypeError, ValueError):
            c = None
        if c is not None and c.ndim == 1 and self.action_dim == 1:  # K numbers: K actions
            c = c[:, None]
        # no reshape: (3, 2) for actions of dimension 3 would become two scrambled actions
        if c is None or c.ndim != 2 or c.shape[1] != self.action_dim:
            raise ValueError(
                f"candidates must be actions of dimension {self.action_dim}, shape "
                f"(K, {self.action_dim}), got {candidates!r}"
            )
        if c.shape[0] == 0 or not np.all(np.isfinite(c)):
            raise ValueError("candidates must be at least one finite action")
        self.candidates = c

    def _propose(self, state, a_curr):
        values = np.array([self.critic(state, c) for c in self.candidates])
        tied = np.flatnonzero(values == values.max())
        distance = np.linalg.norm(self.candidates[tied] - a_curr, axis=1)
        best = self.candidates[tied[int(np.argmin(distance))]]
        alpha = self.alpha(self.episode, self.num_step)
        a_next = (1.0 - alpha) * a_curr + alpha * best  # alpha = 1: the candidate, bit for bit
        # between two valid actions for alpha <= 1; beyond the candidate only above 1
        return (self.policy.bound(a_next) if alpha > 1 else a_next), np.zeros(self.action_dim)

    def _settings(self) -> dict:
        return dict(candidates=self.candidates.tolist())

    @classmethod
    def _saved_args(cls, reservoir, readout, readouts, plant, policy, extra):
        extra = dict(extra)
        candidates = extra.pop("candidates")  # a KeyError: the file is refused, naming it
        return [candidates, reservoir, readout, plant, policy], extra


__all__ = ["ActionGradient", "ActionRecomputation", "ActionBruteForce"]
