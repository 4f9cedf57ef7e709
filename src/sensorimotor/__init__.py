"""sensorimotor: learning in robots and other sensorimotor systems, one sample at a time."""
