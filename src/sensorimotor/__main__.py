"""``python -m sensorimotor``: the command line."""

import sys

from sensorimotor.run.cli import main

if __name__ == "__main__":
    sys.exit(main())
