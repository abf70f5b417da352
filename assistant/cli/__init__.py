"""The ``assistant`` command: ``main`` in :mod:`~assistant.cli.main` (ingest, search, docs,
collections, shell), the answer commands in :mod:`~assistant.cli.ask` (ask, chat, models),
terminal rendering in :mod:`~assistant.cli.render` and the interactive session in
:mod:`~assistant.cli.shell`. It is the top layer: it opens the core through
:class:`~assistant.app.service.AssistantService` and may import any core package.

Nothing is imported here: ``python -m assistant`` imports ``main`` from its module.
"""
