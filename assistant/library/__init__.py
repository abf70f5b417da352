"""Documents in: read files, chunk them, embed them, store them, and search what is stored.

- :mod:`~assistant.library.ingest`: ``Ingestor``, ``IngestReport``, ``FileResult``,
  ``IngestLimits``; :mod:`~assistant.library.discovery`: ``discover_files``.
- :mod:`~assistant.library.loaders`: ``load_document``, ``SUPPORTED_SUFFIXES``; files are
  read in a child process with limits (:mod:`~assistant.library.parse_sandbox`).
- :mod:`~assistant.library.chunking`: ``chunk_document``, ``ChunkingParams``.
- :mod:`~assistant.library.documents`: ``ExtractedDocument``, ``Chunk``, ``Hit``,
  ``DocumentInfo``.
- :mod:`~assistant.library.store`: ``Store`` (SQLite, the truth) with its schema
  (:mod:`~assistant.library.store_schema`), records (:mod:`~assistant.library.records`) and
  keyword search plans (:mod:`~assistant.library.lexical`).
- :mod:`~assistant.library.vector_index`: ``VectorIndex`` (chroma, derived), kept in step by
  :mod:`~assistant.library.index_sync` and checked by :mod:`~assistant.library.index_probe`;
  the app runs it in a child process (:mod:`~assistant.library.vector_process`'s
  ``ProcessVectorIndex``), both behind :mod:`~assistant.library.vector_store`'s
  ``VectorStore`` and ``open_vector_store``.
- :mod:`~assistant.library.shared_sync`: ``SharedLibrary`` keeps the store a mirror of a
  library shared on a Chroma server (:mod:`~assistant.library.shared_server`).
- :mod:`~assistant.library.retrieval`: ``HybridRetriever``, ``RetrievalParams``,
  ``fuse_rankings``.
- :mod:`~assistant.library.bundled`: the bundled research library.
- :mod:`~assistant.library.watching`: watched folders (``WatchedFolder``) and what changed in
  one (``scan_folder``, ``compare_folder``).

Nothing is imported here: the document reader child imports this package and must not pay
for chromadb, numpy or torch.
"""
