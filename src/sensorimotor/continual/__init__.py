"""sensorimotor.continual"""
