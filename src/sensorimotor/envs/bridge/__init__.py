"""The Gymnasium bridge: Gymnasium environments as the library's, the library's as Gymnasium's, gymnax environments, and auto-reset for JAX environments."""
