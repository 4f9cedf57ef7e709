"""REINFORCE: the policy-gradient agent and its jitted update."""
