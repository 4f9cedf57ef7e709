"""Direct HDP (Si and Wang): the settings and pure update, the agent, and compiled trials on JAX environments."""
