"""``python -m assistant`` runs the command-line interface."""

import sys

from assistant.cli.main import main

sys.exit(main())
