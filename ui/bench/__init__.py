"""The app measured from inside for ``assistant bench``: the probe and its instruments."""
