"""Small agents' settings for the identity tasks, one place for every test file: agents
built with the same settings compile the same programs, which the run's persistent XLA
cache then serves to each file of tests/agents."""

DQN_FAST = dict(
    learning_rate=3e-3,
    learning_starts=64,
    batch_size=32,
    train_freq=4,
    gradient_steps=2,
    target_update_interval=50,
    exploration_fraction=0.3,
    exploration_final_eps=0.02,
    net_arch=[32],
)
# the identity task needs no horizon: with gamma 0.99 its actions differ by 1% of their value
STREAM_Q_FAST = dict(gamma=0.9, exploration_fraction=0.3, net_arch=[16, 16])
# [32, 32] in 5000 steps learns it for 127 of 128 compiled seeds (121 in 3000 steps; [16, 16]
# in 3000: 32 of 64), so that a seed's solving it is the code's doing, not the seed's or the
# JAX version's rounding
STREAM_Q_SOLVES = dict(STREAM_Q_FAST, net_arch=[32, 32])
STREAM_AC_FAST = dict(gamma=0.9, net_arch=[16, 16])  # the identity task needs no horizon
REINFORCE_FAST = dict(learning_rate=2e-2, episodes_per_update=4, net_arch=[16])
