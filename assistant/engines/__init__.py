"""The models that run: the language model in its own process, and the sentence embedder.

- :mod:`~assistant.engines.engine`: the ``Engine`` protocol, ``EngineSettings``,
  ``GenerationParams``, ``GenerationStats``, ``TokenStream``.
- :mod:`~assistant.engines.engine_process`: ``ProcessEngine``, the app's engine (the model in
  ``python -m assistant.engines.engine_server``, restarted after a crash); its process is
  :mod:`~assistant.engines.engine_child`, its weight layout
  :mod:`~assistant.engines.engine_layout`.
- :mod:`~assistant.engines.llama_engine`: ``LlamaEngine``, the only module that imports
  ``llama_cpp`` (it runs in the engine process).
- :mod:`~assistant.engines.chat_template`: ``ChatMessage``, ``ChatTemplate``.
- :mod:`~assistant.engines.embedding`: the ``Embedder`` protocol,
  ``SentenceTransformerEmbedder`` (the reference, on PyTorch).
- :mod:`~assistant.engines.onnx_embedding`: ``OnnxEmbedder``, the app's embedder (the same
  model exported once to ONNX, run by onnxruntime; the reference is its fallback).
- :mod:`~assistant.engines.registry`: ``ModelEntry``, ``default_model``, ``all_models``,
  ``add_user_model``, ``resolve_model``.
- :mod:`~assistant.engines.gguf` (``read_metadata``) and :mod:`~assistant.engines.memory`
  (``kv_cache_bytes``, ``check_fits``).

Nothing is imported here: the engine process imports this package and must not pay for
torch, onnxruntime or llama.cpp before it needs them.
"""
