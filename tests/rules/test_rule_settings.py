"""A rule's bad setting raises at ``init``, naming ``Rule.setting``: each rule declares
the bounds of its settings (``BOUNDS``) and ``init`` checks them."""

import math

import numpy as np
import pytest

from sensorimotor.rules import (
    IDBD,
    LMS,
    NLMS,
    RLS,
    TDIDBD,
    AdaptiveObGD,
    Autostep,
    AutoTDIDBD,
    EMANormalizer,
    ObGD,
    WelfordNormalizer,
    adaptive_obgd,
    obgd,
)

BAD = [
    (LMS(-0.1), "LMS.step_size"),
    (LMS(np.array([0.1, -0.1])), "LMS.step_size"),
    (LMS(math.nan), "LMS.step_size"),
    (NLMS(step_size=math.inf), "NLMS.step_size"),
    (NLMS(eps=-1.0), "NLMS.eps"),
    (IDBD(initial_step_size=-0.05), "IDBD.initial_step_size"),
    (IDBD(initial_step_size=0.0), "IDBD.initial_step_size"),
    (IDBD(meta_step_size=-0.01), "IDBD.meta_step_size"),
    (Autostep(tau=0.0), "Autostep.tau"),
    (Autostep(initial_step_size=math.nan), "Autostep.initial_step_size"),
    (RLS(forgetting=1.5), "RLS.forgetting"),
    (RLS(forgetting=0.0), "RLS.forgetting"),
    (RLS(delta=-1.0), "RLS.delta"),
    (TDIDBD(trace_decay=1.2), "TDIDBD.trace_decay"),
    (AutoTDIDBD(trace_decay=-0.1), "AutoTDIDBD.trace_decay"),
    (EMANormalizer(decay=1.0), "EMANormalizer.decay"),
    (WelfordNormalizer(eps=-1e-8), "WelfordNormalizer.eps"),
]


@pytest.mark.parametrize(("rule", "name"), BAD, ids=[name for _, name in BAD])
def test_a_bad_setting_raises_at_init_naming_it(rule, name):
    with pytest.raises(ValueError, match=name.replace(".", r"\.")):
        rule.init(3)


def test_the_message_says_the_interval_and_the_value():
    with pytest.raises(ValueError) as err:
        IDBD(initial_step_size=-1.0).init(3)
    assert str(err.value) == (
        "IDBD.initial_step_size must be a finite number in (0, inf), got -1.0"
    )


@pytest.mark.parametrize("value", ["0.1", None, True])
def test_a_setting_that_is_not_a_number_is_a_type_error(value):
    with pytest.raises(TypeError, match="IDBD.meta_step_size must be a number"):
        IDBD(meta_step_size=value).init(3)


def test_good_settings_pass_including_edges_and_arrays():
    for rule in (
        LMS(0.0),
        LMS(np.array([0.1, 0.0, 0.2])),
        IDBD(1e-6, 0.0),
        Autostep(tau=1.0),
        RLS(forgetting=1.0),
        TDIDBD(trace_decay=1.0),
        EMANormalizer(decay=0.0),
    ):
        rule.init(3)


def test_every_rule_declares_the_bounds_of_its_float_settings():
    rules = [LMS, NLMS, IDBD, Autostep, RLS, TDIDBD, AutoTDIDBD, EMANormalizer]
    rules += [WelfordNormalizer, ObGD, AdaptiveObGD]
    for rule in rules:
        floats = {f for f, v in rule._field_defaults.items() if isinstance(v, float)}
        assert floats == set(rule.BOUNDS), rule.__name__


def test_the_optax_factories_check_their_settings():
    with pytest.raises(ValueError, match=r"ObGD\.step_size"):
        obgd(step_size=-1.0)
    with pytest.raises(ValueError, match=r"obgd\.trace_decay"):
        obgd(trace_decay=1.5)
    with pytest.raises(ValueError, match=r"AdaptiveObGD\.beta2"):
        adaptive_obgd(beta2=1.0)
    with pytest.raises(ValueError, match=r"adaptive_obgd\.trace_decay"):
        adaptive_obgd(trace_decay=-0.5)
