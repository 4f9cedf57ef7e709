"""The reservoir of an ADHDP experiment, made from the experiment's settings."""

from sensorimotor.actorcritic import ReservoirNode


def reservoir_from(settings, input_dim: int, seed) -> ReservoirNode:
    """A ``ReservoirNode`` of ``settings.reservoir_size`` units on ``input_dim`` inputs, with
    the settings' ``spectral_radius``, ``leak_rate``, ``input_scaling`` and ``bias_scaling``
    (every experiment's settings name them so) and the other options at their defaults.

    >>> from sensorimotor.run.adhdp.adhdp_epuck import DEFAULT_EPUCK
    >>> reservoir_from(DEFAULT_EPUCK, 4, seed=0).output_dim == DEFAULT_EPUCK.reservoir_size
    True
    """
    return ReservoirNode(
        input_dim,
        settings.reservoir_size,
        spectral_radius=settings.spectral_radius,
        leak_rate=settings.leak_rate,
        input_scaling=settings.input_scaling,
        bias_scaling=settings.bias_scaling,
        seed=seed,
    )
