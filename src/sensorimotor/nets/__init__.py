"""sensorimotor.nets"""
