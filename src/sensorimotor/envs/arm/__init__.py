"""The planar kinematic arm, its Gymnasium reaching task, and a sensory distractor around any environment."""
