"""Import sentence-transformers without the scikit-learn it does not need to embed.

sentence-transformers imports ``sklearn.metrics`` (and with it scipy.stats, about a second on
two cores) when it starts, for one similarity helper that encoding never calls. While it is
imported, ``sklearn`` is a stand-in whose ``pairwise_distances`` imports the real function on
first call; the stand-in is removed afterwards, so any later ``import sklearn`` is the real one.
If a version of sentence-transformers wants more than that from scikit-learn, it is imported
again the ordinary way.
"""

from __future__ import annotations

import importlib.machinery
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

STAND_IN = ("sklearn", "sklearn.metrics")


def pairwise_distances(*args: Any, **kwargs: Any) -> Any:
    """scikit-learn's ``pairwise_distances``, imported on first call."""
    from sklearn.metrics import pairwise_distances as real

    return real(*args, **kwargs)


@contextmanager
def sklearn_deferred() -> Iterator[None]:
    """Within the block, ``from sklearn.metrics import pairwise_distances`` binds the lazy
    function above; any other scikit-learn import fails with ImportError."""
    if any(name in sys.modules for name in STAND_IN):
        yield  # scikit-learn is loaded already: nothing to save
        return
    package = types.ModuleType("sklearn", "stand-in while sentence-transformers imports")
    package.__path__ = []
    package.__spec__ = importlib.machinery.ModuleSpec("sklearn", None, is_package=True)
    metrics = types.ModuleType("sklearn.metrics")
    metrics.__spec__ = importlib.machinery.ModuleSpec("sklearn.metrics", None)
    metrics.pairwise_distances = pairwise_distances  # type: ignore[attr-defined]
    package.metrics = metrics  # type: ignore[attr-defined]
    sys.modules.update({"sklearn": package, "sklearn.metrics": metrics})
    try:
        yield
    finally:
        for name, stand_in in zip(STAND_IN, (package, metrics), strict=True):
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


def sentence_transformer_class() -> Callable[..., Any]:
    """``sentence_transformers.SentenceTransformer``, imported as quickly as it can be."""
    if "sentence_transformers" not in sys.modules:
        try:
            with sklearn_deferred():
                from sentence_transformers import SentenceTransformer
            return SentenceTransformer
        except ImportError:
            # This version needs more of scikit-learn: forget the half-made modules, retry.
            for name in [n for n in sys.modules if n.split(".")[0] == "sentence_transformers"]:
                del sys.modules[name]
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer
