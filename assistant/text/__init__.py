"""Pure text functions, values in and values out (a leaf: imports nothing of Offgrid's).

- :mod:`~assistant.text.keywords`: ``query_words``, ``content_words``, ``any_of``, ``two_of``
  (FTS5 expressions for the BM25 index).
- :mod:`~assistant.text.sentences`: ``sentence_spans`` (exact offsets), ``trimmed``.
- :mod:`~assistant.text.formatting`: ``human_size``, ``plural``, ``location``.

Nothing is re-exported here: import from the module.
"""
