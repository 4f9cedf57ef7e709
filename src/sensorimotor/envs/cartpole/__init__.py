"""The cart-poles: Gymnasium's CartPole-v1 as a JAX environment, and Si and Wang's cart-pole of the ADHDP papers (dynamics, plant, Gymnasium and JAX faces)."""
