"""Every exported streaming learner passes the conformance suite; the suite catches broken
learners, each by the right named check."""

import inspect

import jax
import numpy as np
import pytest

import sensorimotor.continual as continual_pkg
from sensorimotor import rules
from sensorimotor.continual import (
    GVF,
    IDBD,
    LMS,
    NLMS,
    RLS,
    TDIDBD,
    AdaptiveObGD,
    Autostep,
    AutoTDIDBD,
    EMANormalizer,
    Horde,
    LinearLearner,
    MLPLearner,
    TDLinearLearner,
    WelfordNormalizer,
    save_state,
)
from sensorimotor.continual import checks as C
from sensorimotor.envs import streams

LINEAR_RULES = {
    "lms": LMS(0.05),
    "nlms": NLMS(0.5),
    "idbd": IDBD(0.05, 0.01),
    "autostep": Autostep(0.05, 0.01),
    "rls": RLS(0.99, 1.0),
}
NORMALIZERS = {"ema": EMANormalizer(0.9), "welford": WelfordNormalizer()}
LEARNERS = {
    **{name: LinearLearner(rule) for name, rule in LINEAR_RULES.items()},
    **{
        f"{name}+{norm}": LinearLearner(rule, normalizer=NORMALIZERS[norm], bias=norm == "ema")
        for (name, rule), norm in zip(
            LINEAR_RULES.items(), ["ema", "welford", "welford", "ema", "welford"], strict=True
        )
    },
    "td-lambda": TDLinearLearner(TDIDBD(0.1, 0.0, trace_decay=0.8)),
    "tidbd": TDLinearLearner(TDIDBD(0.05, 0.01, trace_decay=0.5)),
    "tidbd-full": TDLinearLearner(TDIDBD(0.05, 0.01, trace_decay=0.5, semi_gradient=False)),
    "auto-tidbd": TDLinearLearner(AutoTDIDBD(0.05, 0.01, trace_decay=0.8)),
    "horde": Horde(
        (
            GVF(TDIDBD(0.05, 0.0), gamma=0.9),
            GVF(AutoTDIDBD(0.05, 0.01, trace_decay=0.5), gamma=0.5, cumulant=1),
            GVF(TDIDBD(0.1, 0.01, trace_decay=0.5), gamma=0.0, cumulant=2),
        )
    ),
    "mlp-obgd": MLPLearner(hidden_sizes=(16,)),
    "mlp-adaptive+trace+welford": MLPLearner(
        hidden_sizes=(16, 8),
        optimizer=AdaptiveObGD(),
        trace_decay=0.5,
        normalizer=WelfordNormalizer(),
    ),
    "mlp-autostep+ema": MLPLearner(
        hidden_sizes=(16,),
        optimizer=Autostep(0.01, 0.01),
        normalizer=EMANormalizer(0.9),
        layer_norm=False,
    ),
}


def _exported_stream_learners():
    """Classes the facade exports itself (not the rules and streams it re-exports) that
    have ``init`` and ``update``."""
    reexported = set(rules.__all__) | set(streams.__all__)
    found = set()
    for name in continual_pkg.__all__:
        obj = getattr(continual_pkg, name)
        if name not in reexported and inspect.isclass(obj):
            if callable(getattr(obj, "init", None)) and callable(getattr(obj, "update", None)):
                found.add(obj)
    return found


def test_every_exported_stream_learner_is_checked():
    found = _exported_stream_learners()
    assert {LinearLearner, TDLinearLearner, Horde, MLPLearner} <= found
    assert found == {type(learner) for learner in LEARNERS.values()}


@pytest.mark.parametrize("learner", LEARNERS.values(), ids=LEARNERS.keys())
def test_every_exported_stream_learner_passes(learner):
    report = C.check_stream_learner(learner)
    assert report == {check.__name__: "passed" for check in C.CHECKS}


def test_other_sizes_and_seeds_pass():
    C.check_stream_learner(LinearLearner(IDBD(0.05, 0.01)), feature_dim=1, seed=5)
    C.check_stream_learner(TDLinearLearner(TDIDBD(0.05, 0.01)), feature_dim=7, seed=2)


# -- deliberately broken learners: each is caught by its check, and only by it ----------------
class MutatesInPlace(LinearLearner):
    """Writes its new weights into the NumPy state passed in (saves an allocation...)."""

    def update(self, state, x, y):
        result = super().update(state, x, y)
        if isinstance(state.weights, np.ndarray):
            state.weights[...] = result.state.weights
            result = result._replace(state=result.state._replace(weights=state.weights))
        return result


class AcceptsNaN(LinearLearner):
    """Replaces NaN and inf in ``x`` by zeros and learns from it."""

    def update(self, state, x, y):
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        return super().update(state, x, y)


class NamesNothing(LinearLearner):
    """Refuses bad input with a message that does not say which argument is bad."""

    def update(self, state, x, y):
        try:
            return super().update(state, x, y)
        except ValueError:
            raise ValueError("bad input") from None


class NumPyPathDiffers(LinearLearner):
    """Its NumPy path leaves the bias weight out of the update (a 'fast path' bug)."""

    def update(self, state, x, y):
        result = super().update(state, x, y)
        if isinstance(x, np.ndarray):
            weights = result.state.weights.copy()
            weights[-1] = state.weights[-1]
            result = result._replace(state=result.state._replace(weights=weights))
        return result


class UsesGlobalRandom(LinearLearner):
    """Jitters its weights with NumPy's global generator (tiny, within float tolerance)."""

    def update(self, state, x, y):
        result = super().update(state, x, y)
        w = result.state.weights
        if isinstance(w, np.ndarray):
            jitter = 1e-8 * np.random.standard_normal(w.shape)  # noqa: NPY002 - the bug
            result = result._replace(
                state=result.state._replace(weights=w + jitter.astype(w.dtype))
            )
        return result


def _save_without_step_sizes(path, learner, state):
    """A saved file that leaves the rule's state (IDBD's step sizes) out: it is re-made."""
    fresh = learner.optimizer.init(state.weights.shape[0], np, state.weights.dtype)
    save_state(path, state._replace(optimizer=fresh), learner)


LOSES_ON_SAVE = C.SUPERVISED._replace(save=_save_without_step_sizes)

BROKEN = [
    ("mutates-in-place", MutatesInPlace(IDBD(0.05, 0.01)), None, C.check_bad_input_refused),
    ("accepts-nan", AcceptsNaN(LMS(0.05)), None, C.check_bad_input_refused),
    ("names-nothing", NamesNothing(LMS(0.05)), None, C.check_bad_input_refused),
    ("numpy-differs", NumPyPathDiffers(IDBD(0.05, 0.01)), None, C.check_numpy_equals_jax),
    ("loses-on-save", LinearLearner(IDBD(0.05, 0.01)), LOSES_ON_SAVE, C.check_save_load_continues),
    ("global-random", UsesGlobalRandom(IDBD(0.05, 0.01)), None, C.check_same_seed_same_result),
]


@pytest.mark.parametrize(
    "learner, kind, check", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_each_broken_learner_is_caught_by_its_check_only(learner, kind, check):
    with pytest.raises(C.StreamCheckError) as caught:
        check(learner, kind=kind)
    assert caught.value.check == check.__name__
    assert str(caught.value).startswith(check.__name__)
    with pytest.raises(C.StreamCheckError) as caught:
        C.check_stream_learner(learner, kind=kind)
    assert set(caught.value.failures) == {check.__name__}
    assert caught.value.check == "check_stream_learner"


def test_every_check_has_a_broken_learner():
    assert {b[-1] for b in BROKEN} == set(C.CHECKS)


def test_an_unexpected_exception_fails_the_check_that_met_it():
    class Crashes(LinearLearner):
        def update(self, state, x, y):
            raise RuntimeError("boom")

    with pytest.raises(C.StreamCheckError, match="check_numpy_equals_jax: raised RuntimeError"):
        C.check_numpy_equals_jax(Crashes())


def test_an_unknown_learner_needs_a_kind():
    with pytest.raises(C.StreamCheckError, match="pass kind=StreamKind"):
        C.check_same_seed_same_result(object())
    assert C.kind_of(Horde((GVF(),))) is C.TD and C.kind_of(MLPLearner()) is C.MLP


@pytest.mark.parametrize(
    "learner, arg, value, exc",
    [
        (LinearLearner(LMS(0.05)), "x", np.array([1e200, 0.0, 0.0]), ValueError),
        (LinearLearner(LMS(0.05)), "x", np.ones(3, dtype=complex), TypeError),
        (LinearLearner(LMS(0.05)), "x", np.ones(3, dtype=bool), TypeError),
        (LinearLearner(LMS(0.05)), "y", np.complex128(1.0), TypeError),
        (LinearLearner(LMS(0.05), normalizer=EMANormalizer()), "y", "1.0", TypeError),
        (LinearLearner(LMS(0.05), normalizer=EMANormalizer()), "x", np.full(3, 1e200), ValueError),
        (LEARNERS["mlp-obgd"], "x", np.array([1e30, 0.0, 0.0]), ValueError),
        (LEARNERS["mlp-obgd"], "y", 1e39, ValueError),
    ],
    ids=[
        "huge-x",
        "complex-x",
        "bool-x",
        "numpy-complex-y",
        "string-y",
        "huge-x-normalized",
        "mlp-x",
        "mlp-y",
    ],
)
@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_the_defects_the_suite_found_stay_fixed(learner, arg, value, exc):
    """Before the suite: a huge input restarted (or silently corrupted) a linear learner, and
    was learned by the MLP; complex and bool input was learned; with a normaliser a bad
    ``y`` raised NumPy's error, not naming ``y``."""
    kind = C.kind_of(learner)
    state = kind.init(learner, jax.random.key(0), 3, np, None)
    sample = list(kind.sample(np.random.default_rng(0), 3))
    state = learner.update(state, *sample).state
    sample[kind.args.index(arg)] = value
    with pytest.raises(exc, match=rf"\b{arg}\b"):
        learner.update(state, *sample)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_td_and_horde_refuse_a_huge_input_and_a_bool_gamma():
    x, huge = np.array([1.0, -1.0, 0.5]), np.array([1e200, 0.0, 0.0])
    for learner in (TDLinearLearner(TDIDBD(0.1, 0.01)), Horde((GVF(TDIDBD(0.1, 0.01)),))):
        state = learner.update(learner.init(3), x, 1.0, x, 0.9).state
        with pytest.raises(ValueError, match="reward"):
            learner.update(state, x, 1e200, x, 0.9)
        with pytest.raises(ValueError, match="next_x"):
            learner.update(state, x, 1.0, huge, 0.9)
        with pytest.raises(TypeError, match="gamma"):
            learner.update(state, x, 1.0, x, np.array(True))
