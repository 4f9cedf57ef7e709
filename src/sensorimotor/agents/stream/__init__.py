"""The stream-x agents StreamQ and StreamAC: their shared base and stream-x pieces, settings, updates and compiled training."""
