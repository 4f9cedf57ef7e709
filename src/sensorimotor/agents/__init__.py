"""sensorimotor.agents"""
