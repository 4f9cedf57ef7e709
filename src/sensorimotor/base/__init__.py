"""The bottom layer: merged configs, declared bounds of settings, pytree helpers, saved
files and BLAS thread limits. Imports nothing else from the library."""
