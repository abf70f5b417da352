"""Open the window: the log, the Qt application, the controllers over the data dir, the
window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from assistant.app import install_egress_guard, log_folder, resolve_data_dir, start_logging
from ui.controllers import Controllers, default_service_factory
from ui.resources import DESKTOP_NAME, ICON_FILE
from ui.window.main_window import MainWindow
from ui.window.reporting import route_qt_messages

GIL_SWITCH_INTERVAL_S = 0.001


def open_window(argv: Sequence[str] | None = None
                ) -> tuple[QApplication, Controllers, MainWindow]:
    """Show the window and start loading the library and the model in the background."""
    parser = argparse.ArgumentParser(prog="python -m ui", description="Offgrid desktop app")
    parser.add_argument("--data-dir", metavar="DIR", help="where the library is kept")
    args, qt_args = parser.parse_known_args(argv)
    install_egress_guard()  # nothing this process runs may reach another host
    # The log stays on this computer (beside the data when --data-dir chooses it).
    logs = start_logging(log_folder(args.data_dir))
    # Every Python slot of the window needs the GIL. While a worker runs Python (parsing a
    # PDF, importing torch), each handover waits up to this interval, and a repaint needs
    # several: importing documents, the longest stall was 99 ms at the default 5 ms and
    # 68 ms at 1 ms (medians of 7 alternating runs); answering was unchanged.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    route_qt_messages()
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Offgrid")
    QGuiApplication.setDesktopFileName(DESKTOP_NAME)  # the installed offgrid.desktop
    app.setWindowIcon(QIcon(str(ICON_FILE)))
    data_dir = resolve_data_dir(args.data_dir)
    controllers = Controllers.create(default_service_factory(data_dir))
    window = MainWindow(controllers, data_dir=data_dir, logs=logs)
    window.show()
    controllers.session.start()
    return app, controllers, window
