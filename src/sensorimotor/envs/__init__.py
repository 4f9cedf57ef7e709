"""sensorimotor.envs"""
