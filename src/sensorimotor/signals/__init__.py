"""sensorimotor.signals"""
