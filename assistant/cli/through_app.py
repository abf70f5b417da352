"""``ask`` and ``search`` while the Offgrid app holds the data directory: through the app's
local API (found in ``api.json`` there), with the output they have when run on their own."""

from __future__ import annotations

import argparse
import sys

from assistant.api.client import RunningApp
from assistant.api.discovery import published
from assistant.errors import AssistantError
from assistant.system.instance_lock import DataDirInUse
from assistant.system.paths import resolve_data_dir

THROUGH_APP = ("ask", "search")  # the commands a running app's API can do for the CLI
TURN_ON = "Settings → Network → Serve the local API"


def open_running_app(args: argparse.Namespace, refused: DataDirInUse) -> RunningApp:
    """The API of the app that holds the data directory (``refused`` says which process),
    announced on stderr; without one, an error saying how to turn it on."""
    found = published(resolve_data_dir(args.data_dir), refused.pid)
    if found is None:
        raise AssistantError(f"{refused}. To ask and search it from here while it runs, turn "
                             f"on the app's local API: {TURN_ON}")
    if args.command == "ask":
        chosen = [flag for flag, value in (("--model", args.model), ("--ctx", args.ctx),
                                           ("--threads", args.threads)) if value is not None]
        if chosen:
            raise AssistantError(f"the running Offgrid app answers with its own model, so "
                                 f"{', '.join(chosen)} cannot be used; choose the model in "
                                 f"the app, or close it first")
    app = RunningApp(found)
    print(f"Note: through the Offgrid app running on this data directory (its local API at "
          f"{app.address})", file=sys.stderr, flush=True)
    return app
