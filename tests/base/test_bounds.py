"""Settings are checked against the bounds their own class declares, never by field name."""

import dataclasses
import importlib
import inspect
import pkgutil
from typing import ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sensorimotor
from sensorimotor.base.bounds import COUNT, UNIT, Bounds, check_settings


class Decays(NamedTuple):
    decay: float = 0.5
    rate: float = 2.0
    BOUNDS = {"rate": Bounds(0.0, 3.0)}


class Undeclared(NamedTuple):
    decay: float = 5.0  # a field called decay, with no declaration: not checked


@dataclasses.dataclass(frozen=True)
class Config:
    size: int = 3
    discount: float = 0.9
    BOUNDS: ClassVar[dict] = {"size": COUNT, "discount": UNIT}


class Typo(NamedTuple):
    rate: float = 1.0
    BOUNDS = {"rtae": UNIT}


def test_only_declared_settings_are_checked():
    assert check_settings(Decays(decay=7.0)) == Decays(decay=7.0)  # decay is not declared
    assert check_settings(Undeclared()) == Undeclared()
    with pytest.raises(
        ValueError, match=r"^Decays\.rate must be a finite number in \[0, 3\), got 3\.0$"
    ):
        check_settings(Decays(rate=3.0))


def test_frozen_dataclasses_declare_bounds_the_same_way():
    check_settings(Config())
    with pytest.raises(ValueError, match=r"Config\.discount"):
        check_settings(Config(discount=1.5))
    with pytest.raises(TypeError, match=r"Config\.size must be an int"):
        check_settings(Config(size=2.5))


def test_the_owner_can_be_named_by_the_caller():
    with pytest.raises(ValueError, match=r"^parts\[2\]\.rate"):
        check_settings(Decays(rate=-1.0), owner="parts[2]")


def test_a_declaration_naming_no_setting_is_a_type_error():
    with pytest.raises(TypeError, match="Typo.BOUNDS declares 'rtae'"):
        check_settings(Typo())


def test_a_traced_setting_passes_and_a_concrete_array_is_checked_whole():
    @jax.jit
    def f(rate):
        check_settings(Decays(rate=rate))
        return rate * 2

    assert float(f(jnp.asarray(1.0))) == 2.0
    check_settings(Decays(rate=np.array([0.0, 2.5])))
    with pytest.raises(ValueError, match=r"Decays\.rate"):
        check_settings(Decays(rate=np.array([0.5, 3.5])))


def library_classes():
    for info in pkgutil.walk_packages(sensorimotor.__path__, "sensorimotor."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "BOUNDS" in vars(cls):
                yield cls


def test_every_declaration_in_the_library_names_settings_of_its_class():
    found = list(library_classes())
    assert len(found) >= 15  # the rules, the streams, GVF
    for cls in found:
        names = (
            cls._fields if hasattr(cls, "_fields") else [f.name for f in dataclasses.fields(cls)]
        )
        assert set(cls.BOUNDS) <= set(names), cls.__name__
        assert all(isinstance(b, Bounds) for b in cls.BOUNDS.values()), cls.__name__


@pytest.mark.parametrize("value", [np.True_, np.array([True, False]), jnp.asarray(True)])
def test_a_numpy_or_jax_bool_is_not_a_number(value):
    """``check_value`` refused ``True`` but took NumPy's and JAX's booleans as 1.0: a
    ``np.True_`` step size or discount passed every check."""
    with pytest.raises(TypeError, match=r"Decays\.rate must be a number"):
        check_settings(Decays(rate=value))
    with pytest.raises(TypeError, match=r"Config\.discount must be a number"):
        check_settings(Config(discount=value))


@pytest.mark.parametrize(
    "value",
    [[True, 0.5], (0.5, np.True_), [[0.5], [False]], [np.array(True), 0.5], ["1", 0.5]],
)
def test_a_sequence_holding_a_bool_or_a_string_is_not_a_number(value):
    """Only a bool or a bool array was refused: ``np.asarray`` made ``[True, 0.5]`` the
    floats ``[1.0, 0.5]`` and ``["1", 0.5]`` ``[1.0, 0.5]``, and both passed."""
    with pytest.raises(TypeError, match=r"Decays\.rate must be a number"):
        check_settings(Decays(rate=value))


def test_a_sequence_of_numbers_is_still_checked_whole():
    rate = [[0.5, 1], (1, np.float32(2.0))]
    assert check_settings(Decays(rate=rate)).rate is rate
    with pytest.raises(ValueError, match=r"Decays\.rate must be a finite number"):
        check_settings(Decays(rate=[0.5, 4.0]))


def test_a_list_holding_itself_is_refused_without_hanging():
    rate = [0.5]
    rate.append(rate)
    with pytest.raises(TypeError, match=r"Decays\.rate must be a number"):
        check_settings(Decays(rate=rate))
