"""``python -m ui`` (and the ``offgrid`` launcher) opens the Offgrid window, after checking that
Qt can open one here."""

import sys

from ui.platform_check import EXIT_STATUS, platform_error


def run() -> int:
    """Say what to install and stop if Qt cannot open a window; otherwise open it."""
    error = platform_error()
    if error is not None:
        print(error, file=sys.stderr)
        return EXIT_STATUS
    from ui.app import main  # imported only now: a failed check needs none of Qt

    return main()


if __name__ == "__main__":  # `python -m ui`; the `offgrid` launcher calls run() itself
    sys.exit(run())
