"""The adhdp command: the ADHDP experiments on the ePuck, the cart-pole and the Ant, with their plots."""
