"""The feedback of ``Environment.execute``, and the one check of feedback that comes in."""

import uuid as uuid_module
from collections.abc import Mapping

import numpy as np

from sensorimotor.signals.channel_set import ChannelSet
from sensorimotor.signals.errors import FeedbackError
from sensorimotor.signals.signal import Signal

#: The keys of a feedback, as the ``environments`` seed has them.
FEEDBACK_KEYS = ("m_signal", "s_signal", "uuid")


class Feedback(dict):
    """What ``Environment.execute`` returns: ``{'m_signal', 's_signal', 'uuid'}``, validated once.

    It reads, prints and copies as the seed's plain dict (the executed motor signal, the
    sensory signal, a ``uuid.UUID``), and its two signals are ``Signal`` objects that carry
    their validated arrays: ``m_array`` and ``s_array`` (read-only, in the order of
    ``m_set`` and ``s_set``). Explorers, learners and logs take those arrays through
    ``check_feedback`` instead of converting and validating the dicts again. Like the seed's
    dict it may be changed; a signal changed or replaced by a plain dict is converted and
    validated again where it next comes in.

    >>> from sensorimotor.signals import Channel
    >>> m_set, s_set = ChannelSet([Channel('x', (0, 10))]), ChannelSet([Channel('a')])
    >>> fb = Feedback.of(m_set.to_signal({'x': 2}), s_set.to_signal({'a': 13}), 'u1')
    >>> fb, fb.m_array, fb.key
    ({'m_signal': {'x': 2.0}, 's_signal': {'a': 13.0}, 'uuid': 'u1'}, array([2.]), 'u1')
    """

    __slots__ = ()

    @classmethod
    def of(cls, m_signal: Signal, s_signal: Signal, uuid) -> "Feedback":
        """A feedback of two ``Signal`` objects and a uuid."""
        return cls(m_signal=m_signal, s_signal=s_signal, uuid=uuid)

    @property
    def m_array(self) -> np.ndarray | None:
        """The motor values in ``m_set`` order (``None`` if ``m_signal`` carries no array)."""
        return getattr(self.get("m_signal"), "array", None)

    @property
    def s_array(self) -> np.ndarray | None:
        """The sensory values in ``s_set`` order (``None`` if ``s_signal`` carries no array)."""
        return getattr(self.get("s_signal"), "array", None)

    @property
    def m_set(self) -> ChannelSet | None:
        return getattr(self.get("m_signal"), "channel_set", None)

    @property
    def s_set(self) -> ChannelSet | None:
        return getattr(self.get("s_signal"), "channel_set", None)

    @property
    def key(self) -> str | None:
        """The uuid as explorers and learners remember it (:func:`uuid_key`), or ``None``."""
        return uuid_key(self.get("uuid"))


def uuid_key(uid) -> str | None:
    """How learners and explorers remember a feedback's uuid: a ``uuid.UUID``, or a string
    that spells one (32 hex digits, any case, with or without dashes, braces or ``urn:``),
    as its canonical string, so that one uuid is one key however it was written (an HDF5
    log stores its hex); any other string as it is (a label of the user's: ``'obs3'``);
    ``None`` for none. Anything else is a ``TypeError``: a number or a list would have been
    remembered by its ``str``, matching nothing the user meant.

    >>> u = uuid_module.UUID(int=7)
    >>> uuid_key(u) == uuid_key(u.hex) == uuid_key(str(u).upper()), uuid_key("obs3")
    (True, 'obs3')
    >>> uuid_key(1.5)
    Traceback (most recent call last):
    ...
    TypeError: uuid must be a uuid.UUID or a string, got float 1.5
    """
    if uid is None:
        return None
    if isinstance(uid, uuid_module.UUID):
        return str(uid)
    if not isinstance(uid, str):
        raise TypeError(f"uuid must be a uuid.UUID or a string, got {type(uid).__name__} {uid!r}")
    try:
        return str(uuid_module.UUID(uid))
    except ValueError:
        return uid


def check_feedback(
    feedback, m_set: ChannelSet, s_set: ChannelSet, *, need_uuid: bool = False
) -> Feedback:
    """The one gate of feedback: ``feedback`` as a ``Feedback`` whose signals carry arrays of
    ``m_set`` and ``s_set``, or an error naming what is wrong.

    A ``Feedback`` from ``Environment.execute`` over equal channels passes as it is (its
    arrays were validated when it was made). A plain dict (hand-made feedback, an older
    environment, a feedback whose signals were changed) is validated and converted here,
    once: each signal that is not a ``Signal`` of these channels goes through
    ``ChannelSet.to_signal``. Other keys (e.g. ``'meta'``) are kept.

    Raises ``FeedbackError`` (a ``SignalError``) for a feedback that is not a mapping, lacks
    ``'m_signal'`` or ``'s_signal'`` (or ``'uuid'`` when ``need_uuid``), holds a signal that
    is not a mapping, or (``need_uuid``) a uuid that is not a ``uuid.UUID`` or its string;
    and ``SignalError`` naming the channel for a missing, unknown, NaN, infinite or
    non-numeric value. With ``need_uuid`` the returned uuid is a ``uuid.UUID``.

    >>> from sensorimotor.signals import Channel
    >>> m_set, s_set = ChannelSet([Channel('x', (0, 10))]), ChannelSet([Channel('a')])
    >>> fb = check_feedback({'m_signal': {'x': 2}, 's_signal': {'a': 1}}, m_set, s_set)
    >>> fb.m_array, fb.s_array, check_feedback(fb, m_set, s_set) is fb
    (array([2.]), array([1.]), True)
    >>> check_feedback({'m_signal': {'x': 2}, 's_signal': {'a': 1}}, m_set, s_set, need_uuid=True)
    Traceback (most recent call last):
    ...
    sensorimotor.signals.errors.FeedbackError: feedback has no 'uuid'
    """
    if type(feedback) is Feedback and (
        not need_uuid or isinstance(feedback.get("uuid"), uuid_module.UUID)
    ):  # the common case: a feedback from execute, passed on
        if (
            m_set.carried(feedback.get("m_signal")) is not None
            and s_set.carried(feedback.get("s_signal")) is not None
        ):
            return feedback
    if not isinstance(feedback, Mapping):
        raise FeedbackError(
            "feedback must be a mapping {'m_signal', 's_signal', 'uuid'} as Environment.execute "
            f"returns, got {type(feedback).__name__}"
        )
    for key in FEEDBACK_KEYS if need_uuid else FEEDBACK_KEYS[:2]:
        if key not in feedback:
            raise FeedbackError(f"feedback has no {key!r}")
    m_signal, s_signal = feedback["m_signal"], feedback["s_signal"]
    m_new, s_new = _entered(m_signal, m_set, "m_signal"), _entered(s_signal, s_set, "s_signal")
    uid = uid_new = feedback.get("uuid")
    if need_uuid and not isinstance(uid, uuid_module.UUID):
        try:
            uid_new = uuid_module.UUID(str(uid))
        except ValueError:
            raise FeedbackError(f"feedback uuid {uid!r} is not a UUID") from None
    if type(feedback) is Feedback and m_new is m_signal and s_new is s_signal and uid_new is uid:
        return feedback
    out = Feedback(feedback)
    out["m_signal"], out["s_signal"] = m_new, s_new
    if need_uuid:
        out["uuid"] = uid_new
    return out


def _entered(signal, channel_set: ChannelSet, key: str) -> Signal:
    """``signal`` as a ``Signal`` of ``channel_set``: as it is if it carries its array, else
    validated and converted (once)."""
    if channel_set.carried(signal) is not None:
        return signal
    if not isinstance(signal, Mapping):
        raise FeedbackError(
            f"feedback[{key!r}] must be a dict {{channel name: value}}, got {type(signal).__name__}"
        )
    return channel_set.to_signal(signal)
