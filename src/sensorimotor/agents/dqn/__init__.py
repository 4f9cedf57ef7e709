"""DQN: the agent, its settings, its jitted update and its compiled training on JAX environments."""
