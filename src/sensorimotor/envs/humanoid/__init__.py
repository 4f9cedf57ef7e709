"""The robot-learning lesson's toy humanoid: dynamics, the JAX environment and its Gymnasium face."""
