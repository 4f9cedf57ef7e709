"""sensorimotor.rules"""
