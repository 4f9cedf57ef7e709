"""Imitation: behavioural cloning, DAgger and the demonstrations they learn from."""
