"""Matplotlib for the command line's figures: the Agg backend, files only, no screen."""


def agg_pyplot():
    """``matplotlib.pyplot`` on the Agg backend (PNG files; works without a display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
