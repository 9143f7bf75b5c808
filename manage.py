#!/usr/bin/env python
"""Django's command-line utility; `fupin` (the console script) does the same."""

import sys

from fupin.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="manage.py"))
