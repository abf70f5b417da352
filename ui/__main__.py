"""``python -m ui`` opens the Offgrid window."""

import sys

from ui.app import main

sys.exit(main())
