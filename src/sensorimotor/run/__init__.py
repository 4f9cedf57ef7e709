"""Loops, logs, plots and the command line."""
