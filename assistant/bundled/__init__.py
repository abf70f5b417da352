"""What Offgrid ships: the research library and the model registry.

``library/`` holds the bundled notes and ``registry.json`` the known models. Both are package
data, found through ``importlib.resources`` (see ``assistant.system.paths``), so an installed wheel
carries them; nothing here is imported as code.
"""
