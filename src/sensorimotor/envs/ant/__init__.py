"""The Ant's sine gait on MuJoCo's Ant-v5 (the mujoco extra): the environment, its plant and its Gymnasium face."""
