r"""DAgger (Ross, Gordon and Bagnell 2011, "A reduction of imitation learning and structured
prediction to no-regret online learning"): behavioural cloning on the states the learner
itself visits, labelled by an expert that can be queried.

Round :math:`i = 0, 1, \dots`: play ``episodes_per_round`` episodes where, at each step,
the expert's action is executed with probability :math:`\beta_i` and the learner's greedy
action otherwise; label every visited state with the expert's action; add the pairs to
the data set :math:`D`; fit the policy on all of :math:`D` (:mod:`~sensorimotor.agents.imitation.
behavioral_cloning`'s loss, ``gradient_steps`` Adam steps, going on from the last round).
The schedule is the imitation library's linear one,
:math:`\beta_i = \max(0, 1 - i / \text{beta\_rampdown})`: round 0 is plain behavioural
cloning on the expert's own episodes. The default ``beta_rampdown=1`` is the paper's
:math:`\beta_i = I(i = 1)` (rounds counted from 0 here), which Ross et al. suggest often
works best in practice; the imitation library's default ramps down over 15 rounds.

Where this departs from the imitation library: the learner acts greedily (its
``predict(obs)`` samples from the policy, SB3's ``deterministic=False``); a round plays a
fixed ``episodes_per_round`` (imitation: at least 3 episodes and 500 steps) and trains a
fixed ``gradient_steps`` on the aggregate (imitation: 4 epochs, so more steps as the data
grow). As there, the choice between the expert and the learner is drawn at every step,
every visited state is labelled by the expert whatever was executed, and the policy
returned is the last round's (the paper picks the best on validation).

The expert is any object with ``predict(obs, deterministic=True) -> (action, _)``; it is
not saved with the agent (give it again after ``load`` as ``agent.expert``).

>>> class Right:
...     def predict(self, obs, deterministic=True):
...         return 1, None
>>> agent = DAgger("CartPole-v1", Right(), seed=0, gradient_steps=100, net_arch=[8])
>>> stats = agent.learn(2)
>>> print(agent.expert_episodes, len(agent.dataset) == stats.episode_lengths.sum())
2 True
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from sensorimotor.agents.agent import refuse_sb3_policy
from sensorimotor.agents.evaluate import check_agent_fits
from sensorimotor.agents.imitation.behavioral_cloning import BCConfig, BehavioralCloning
from sensorimotor.agents.imitation.demonstrations import Demonstrations, expert_action
from sensorimotor.agents.training_stats import TrainingStats
from sensorimotor.base.bounds import COUNT, check_count, is_int

__all__ = ["DAgger", "DAggerConfig"]


@dataclasses.dataclass(frozen=True)
class DAggerConfig(BCConfig):
    """:class:`~sensorimotor.agents.imitation.behavioral_cloning.BCConfig`'s hyperparameters
    (``gradient_steps`` per round) and DAgger's schedule.

    Attributes:
        episodes_per_round: episodes played (and labelled by the expert) per round.
        beta_rampdown: rounds over which the expert's share of the executed actions falls
            from 1 to 0.

    >>> config = DAggerConfig(beta_rampdown=4)
    >>> print(config.gradient_steps, config.episodes_per_round)  # BCConfig's, DAgger's defaults
    2000 1
    >>> DAggerConfig(episodes_per_round=0)
    Traceback (most recent call last):
    ...
    ValueError: DAggerConfig.episodes_per_round must be an int in [1, inf), got 0
    """

    episodes_per_round: int = 1
    beta_rampdown: int = 1

    BOUNDS = {
        **BCConfig.BOUNDS,
        "episodes_per_round": COUNT,
        "beta_rampdown": COUNT,
    }


class DAgger(BehavioralCloning):
    """DAgger with an expert that can be queried (see the module).

    ``DAgger(env, expert, *, seed=0, **hyperparameters)``: ``env`` a Gymnasium env or id
    (played), ``expert`` with ``predict``; the hyperparameters are
    :class:`DAggerConfig`'s.

    Attributes (besides :class:`~sensorimotor.agents.imitation.behavioral_cloning.
    BehavioralCloning`'s):
        expert: the expert (``None`` after ``load``).
        dataset: the aggregated :class:`~sensorimotor.agents.imitation.demonstrations.
            Demonstrations` (saved with the agent).
        rounds: rounds done; expert_episodes: episodes the expert has labelled.

    >>> class Right:  # an expert that always pushes right
    ...     def predict(self, obs, deterministic=True):
    ...         return 1, None
    >>> agent = DAgger("CartPole-v1", Right(), seed=0, beta_rampdown=2, gradient_steps=100,
    ...                net_arch=[8])
    >>> stats = agent.learn(3)  # the expert's action is executed with probability 1, 0.5, 0
    >>> print([agent.beta(i) for i in range(3)], agent.rounds, len(stats.losses))
    [1.0, 0.5, 0.0] 3 3
    >>> print(len(agent.dataset) == stats.episode_lengths.sum() == agent.num_timesteps)
    True
    """

    CONFIG = DAggerConfig

    def __init__(self, env, expert, *sb3_args, seed=0, **hyperparameters):
        refuse_sb3_policy("DAgger", "env, expert", sb3_args, hyperparameters)
        if not callable(getattr(expert, "predict", None)):
            raise TypeError(f"expert must have predict(obs) -> (action, state), got {expert!r}")
        super().__init__(env, seed=seed, **hyperparameters)
        check_agent_fits(expert, self.env)  # an expert of another environment, named
        self.expert = expert

    def _setup(self) -> None:
        super()._setup()
        self.expert = None
        self.dataset = None
        self.rounds = 0
        self.expert_episodes = 0

    def beta(self, round_: int) -> float:
        """The probability that the expert's action is executed in round ``round_``."""
        return max(0.0, 1.0 - round_ / self.config.beta_rampdown)

    def learn(self, n_rounds: int, progress_bar: bool = False) -> TrainingStats:
        """Do ``n_rounds`` rounds (see the module); ``TrainingStats`` holds the played
        episodes' returns and lengths and each round's final chunk loss.
        ``num_timesteps`` counts the environment steps played. A call that raises (the
        expert's labels outside the action space, an env's bad observation) leaves the
        agent as it was before the call."""
        n_rounds = check_count("n_rounds", n_rounds)
        if self.expert is None:
            raise ValueError("DAgger has no expert (after load, set agent.expert)")
        env = self._need_env()
        # all or nothing: the expert's labels are known only once asked, after steps were
        # played (counters and generator advanced); a bad label undoes the whole call
        snapshot = self._snapshot()
        try:
            return self._rounds(env, n_rounds, progress_bar)
        except Exception:  # not an interrupt (Ctrl-C): the rounds done so far stay
            self._undo(snapshot)
            raise

    def _rounds(self, env, n_rounds: int, progress_bar: bool) -> TrainingStats:
        start = time.perf_counter()
        returns, lengths, losses = [], [], []
        for _ in range(n_rounds):
            beta = self.beta(self.rounds)
            observations, labels = [], []
            for _ in range(self.config.episodes_per_round):
                total, length = self._play(env, beta, observations, labels)
                returns.append(total)
                lengths.append(length)
            new = self.check_demonstrations(
                Demonstrations(np.stack(observations), np.stack(labels)), "the expert's labels"
            )
            self.dataset = (
                new
                if self.dataset is None
                else Demonstrations(
                    *(np.concatenate([a, b]) for a, b in zip(self.dataset, new, strict=True))
                )
            )
            stats = self._fit(self.dataset, self.config.gradient_steps, progress_bar)
            losses.append(stats.losses[-1])
            self.rounds += 1
            self.expert_episodes += self.config.episodes_per_round
        return TrainingStats(
            np.asarray(returns),
            np.asarray(lengths, np.int64),
            np.asarray(losses),
            self.num_timesteps,
            time.perf_counter() - start,
        )

    def _play(self, env, beta, observations, labels):
        obs, _ = env.reset(seed=int(self._rng.integers(2**31)))
        total, length, done = 0.0, 0, False
        while not done:
            batch, _ = self.check_obs(obs, "the environment's observation")
            label = expert_action(self.expert, obs, env.action_space)
            if self._rng.random() < beta:
                action = label
            else:
                action = self._act(batch, True)[0]
                if self.action_space.discrete:
                    action = int(action)
            observations.append(batch[0])  # check_obs copied it
            labels.append(np.array(label))  # a copy: an expert may reuse its array
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            length += 1
            self.num_timesteps += 1
            done = terminated or truncated
        return total, length

    # -- saving ----------------------------------------------------------------------
    def _arrays(self):
        arrays, fields = super()._arrays()
        if self.dataset is not None:
            arrays["dataset/observations"] = self.dataset.observations
            arrays["dataset/actions"] = self.dataset.actions
        fields.update(rounds=self.rounds, expert_episodes=self.expert_episodes)
        return arrays, fields

    def _restore(self, path, arrays, header) -> None:
        super()._restore(path, arrays, header)
        try:
            counts = {name: header[name] for name in ("rounds", "expert_episodes")}
        except KeyError as err:
            raise ValueError(f"{path}: the header does not describe a DAgger ({err})") from None
        for name, value in counts.items():
            # a negative round makes beta above 1 (no probability); 2.5 is no round count
            if not is_int(value) or value < 0:
                raise ValueError(f"{path}: {name} must be a non-negative int, got {value!r}")
        self.rounds, self.expert_episodes = int(counts["rounds"]), int(counts["expert_episodes"])
        if "dataset/observations" in arrays:
            try:
                self.dataset = self.check_demonstrations(
                    (arrays["dataset/observations"], arrays["dataset/actions"]), "dataset"
                )
            except (KeyError, TypeError, ValueError) as err:
                raise ValueError(f"{path}: its dataset is not valid ({err})") from None
