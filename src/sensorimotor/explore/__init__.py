"""sensorimotor.explore"""
