"""The machine Offgrid runs on: where its files live, what it may touch, what it uses.

- :mod:`~assistant.system.paths`: ``resolve_data_dir``, ``library_dir``, ``registry_file``,
  ``models_dir``.
- :mod:`~assistant.system.egress`: ``install`` (no connection leaves the machine),
  ``EgressGuard``, ``EgressBlocked``.
- :mod:`~assistant.system.instance_lock`: ``InstanceLock``, ``DataDirInUse`` (one owner per
  data directory).
- :mod:`~assistant.system.foreground`: ``ForegroundGate`` (background work steps aside for
  an answer).
- :mod:`~assistant.system.logs`: ``start_logging``, ``log_folder`` (the local log, crash file
  and uncaught-exception hooks).
- :mod:`~assistant.system.files`: ``write_atomic``.
- :mod:`~assistant.system.memory_use`: ``resident_bytes``, ``peak_resident_bytes``,
  ``available_bytes``.

Nothing is imported here: the engine and document reader children import these modules and
must start fast.
"""
