"""Entry point: ``python -m framework.train CONFIG [key=value ...] [--print-config] [--resume [PATH|auto]]``."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
