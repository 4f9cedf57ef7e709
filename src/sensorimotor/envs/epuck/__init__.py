"""HDPy's 2D ePuck: the robot in its arena, its collision-avoidance plants, its Gymnasium face and a random-heading baseline."""
