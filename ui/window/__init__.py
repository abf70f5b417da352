"""The main window: its layout, the wiring of panels to controllers, and its actions."""
