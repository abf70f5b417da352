"""Open the window: the Qt application, the controllers over the data dir, the window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from assistant.app import install_egress_guard, resolve_data_dir
from ui.controllers import Controllers, default_service_factory
from ui.window.main_window import MainWindow

GIL_SWITCH_INTERVAL_S = 0.001


def open_window(argv: Sequence[str] | None = None
                ) -> tuple[QApplication, Controllers, MainWindow]:
    """Show the window and start loading the library and the model in the background."""
    parser = argparse.ArgumentParser(prog="python -m ui", description="Offgrid desktop app")
    parser.add_argument("--data-dir", metavar="DIR", help="where the library is kept")
    args, qt_args = parser.parse_known_args(argv)
    install_egress_guard()  # nothing this process runs may reach another host
    # Every Python slot of the window needs the GIL. While a worker runs Python (parsing a
    # PDF, importing torch), each handover waits up to this interval, and a repaint needs
    # several: importing documents, the longest stall was 99 ms at the default 5 ms and
    # 68 ms at 1 ms (medians of 7 alternating runs); answering was unchanged.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Offgrid")
    controllers = Controllers.create(default_service_factory(resolve_data_dir(args.data_dir)))
    window = MainWindow(controllers)
    window.show()
    controllers.session.start()
    return app, controllers, window
