"""The Python learning loop the stream-x agents share (:class:`StreamAgent`): one update per
environment step, made as one jitted call on the learner state flattened to one vector.

A call of a jitted function costs a few microseconds per array it takes and returns, more
than a small network's arithmetic, so each step passes one vector in, ``[reward,
terminated, done, *action numbers, *next observation]``, and gets one out, ``[*the
policy's outputs for the next observation, TD error]``: the update and the next action's
inputs together. What differs between the agents is only how an action is drawn from
those outputs and what the update needs to know of it (:meth:`StreamAgent._draw`).
"""

from __future__ import annotations

import math
import time

import numpy as np
from jax.flatten_util import ravel_pytree

from sensorimotor.agents.agent import Agent
from sensorimotor.agents.training_stats import Progress, TrainingStats

__all__ = ["StreamAgent"]


class StreamAgent(Agent):
    """An :class:`~sensorimotor.agents.agent.Agent` whose ``learn`` is the stream-x loop.

    A subclass gives ``state`` (its learner's pytree), ``_rng`` (a NumPy ``Generator``)
    and:

    * ``_flat_steps()`` -> ``(unravel, observe_fn, update_fn)``: ``observe_fn(flat, obs)
      -> (flat, outputs)`` for an episode's first observation, ``update_fn(flat, inputs)
      -> (flat, [*outputs, td_error])`` with the inputs above;
    * ``_draw(outputs)`` -> ``(env action, action numbers for the update)``;
    * ``_after_step(end)``, called after each step's update (default: nothing), e.g. an
      exploration schedule.

    The open episode (the policy's outputs for its last observation, its return and length
    so far) is kept between ``learn`` calls in ``_open``, so ``reset_num_timesteps=False``
    goes on where the last call stopped.

    >>> from sensorimotor.agents import StreamQ
    >>> agent = StreamQ("CartPole-v1", seed=0)
    >>> first = agent.learn(100)
    >>> print(agent.learn(100, reset_num_timesteps=False).num_timesteps)  # the same episode on
    200
    >>> print(agent.learn(1000, callback=lambda a: a.num_timesteps < 50).num_timesteps)  # stops
    50
    """

    _open = None

    def _flat_steps(self):
        raise NotImplementedError

    def _draw(self, outputs) -> tuple:
        raise NotImplementedError

    def _after_step(self, end: int) -> None:
        pass

    def _reset(self, env, flat):
        flat, outputs = self._observe_fn(flat, self._reset_env(env).reshape(-1))
        return flat, np.asarray(outputs)

    def learn(
        self,
        total_timesteps: int,
        callback=None,
        progress_bar: bool = False,
        reset_num_timesteps: bool = True,
    ) -> TrainingStats:
        """Train for ``total_timesteps`` environment steps, one update each.

        Args:
            total_timesteps: environment steps of this call.
            callback: ``callback(agent)`` after every step; returning ``False`` stops.
            progress_bar: report progress on stderr every tenth of the run.
            reset_num_timesteps: start the step counter (and any schedule) and a new
                episode afresh (SB3's default); ``False`` goes on from the last call.

        Returns:
            :class:`~sensorimotor.agents.training_stats.TrainingStats` (``losses``: the
            mean squared TD error of every 1000 steps).

        An environment that returns a wrong-shaped or non-finite observation or reward
        raises ``ValueError``, and the agent is as it was before the call (what earlier
        calls learned stays).
        """
        total, env = self._begin_learning(
            total_timesteps, callback, progress_bar, reset_num_timesteps
        )
        # all or nothing: an error mid-call (the env's bad observation or reward, a
        # callback's exception) puts the agent back as before the call, rather than leave
        # counters advanced past updates that were never kept
        snapshot = self._snapshot()
        try:
            return self._run(env, total, callback, progress_bar, reset_num_timesteps)
        except Exception:  # not an interrupt (Ctrl-C): see _run
            self._undo(snapshot)
            raise

    def _run(self, env, total, callback, progress_bar, reset_num_timesteps) -> TrainingStats:
        start = time.perf_counter()
        if reset_num_timesteps:
            self.num_timesteps, self._open = 0, None
        end = self.num_timesteps + total
        unravel, self._observe_fn, update_fn = self._flat_steps()
        flat = ravel_pytree(self.state)[0]
        if self._open is None:
            flat, outputs = self._reset(env, flat)
            self._open = (outputs, 0.0, 0)
        outputs, ep_return, ep_length = self._open
        inputs = None
        returns, lengths, losses, sq = [], [], [], []
        bar = Progress(total, type(self).__name__, progress_bar)
        first = self.num_timesteps
        try:
            while self.num_timesteps < end:
                action, numbers = self._draw(outputs)
                next_obs, reward, terminated, truncated, _ = env.step(action)
                next_obs = self._env_obs(next_obs).reshape(-1)
                if not math.isfinite(reward):
                    raise ValueError(f"the environment returned a non-finite reward {reward!r}")
                done = bool(terminated or truncated)
                if inputs is None:
                    inputs = np.zeros(3 + len(numbers) + len(next_obs), np.float32)
                inputs[:3] = (reward, terminated, done)
                inputs[3 : 3 + len(numbers)] = numbers
                inputs[3 + len(numbers) :] = next_obs
                flat, result = update_fn(flat, inputs)
                result = np.asarray(result)
                outputs = result[:-1]
                sq.append(float(result[-1]) ** 2)
                if len(sq) == 1000:
                    losses.append(sum(sq) / 1000)
                    sq = []
                self.num_timesteps += 1
                self._after_step(end)
                ep_return += float(reward)
                ep_length += 1
                if done:
                    returns.append(ep_return)
                    lengths.append(ep_length)
                    (flat, outputs), ep_return, ep_length = self._reset(env, flat), 0.0, 0
                self._open = (outputs, ep_return, ep_length)
                if callback is not None:
                    self.state = unravel(flat)
                    if callback(self) is False:
                        break
                if self.num_timesteps % 1000 == 0:
                    bar.update(self.num_timesteps - first, np.mean(returns[-20:]) if returns else 0)
            # the last steps since a thousand (all of a call shorter than 1000, or one that
            # started off a multiple of 1000): the bar reaches the end, or where a callback
            # stopped
            bar.update(self.num_timesteps - first, np.mean(returns[-20:]) if returns else 0)
        finally:
            # the updates with the counters that count them, an interrupt (Ctrl-C) too
            # (learn undoes the whole call for an error)
            self.state = unravel(flat)
            bar.close()
        return TrainingStats(
            np.asarray(returns, np.float64),
            np.asarray(lengths, np.int64),
            np.asarray(losses, np.float64),
            self.num_timesteps,
            time.perf_counter() - start,
        )
