"""The window's link to the core: controllers that hold no widgets, tested without a window."""
