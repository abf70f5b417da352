"""sentence-transformers is imported without scikit-learn, and still works with it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def run_python(code: str, path: Path | None = None) -> str:
    env_path = [str(path)] if path else []
    script = f"import sys; sys.path[:0] = {env_path!r}\n" + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=False, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.integration
def test_the_real_package_imports_without_sklearn_and_its_helper_still_works() -> None:
    out = run_python("""
        import sys
        import numpy as np
        from assistant.engines.embedder_import import sentence_transformer_class
        cls = sentence_transformer_class()
        print(cls.__name__, "sklearn" in sys.modules)
        from sentence_transformers.util import similarity
        a, b = np.eye(3)[:2], np.ones((2, 3))
        ours = similarity.pairwise_distances(a, b, metric="manhattan")
        from sklearn.metrics import pairwise_distances
        real = pairwise_distances(a, b, metric="manhattan")
        print("sklearn" in sys.modules, np.allclose(ours, real))
    """)
    assert out.split() == ["SentenceTransformer", "False", "True", "True"]


def test_a_version_that_needs_more_of_sklearn_is_imported_the_ordinary_way(
        tmp_path: Path) -> None:
    package = tmp_path / "sentence_transformers"
    package.mkdir()
    (package / "helpers.py").write_text("from sklearn.metrics import pairwise_distances\n")
    (package / "__init__.py").write_text(
        "from sentence_transformers import helpers\n"
        "from sklearn.metrics import roc_curve\n"
        "class SentenceTransformer:\n    pass\n")
    out = run_python("""
        import sys
        from assistant.engines.embedder_import import sentence_transformer_class
        cls = sentence_transformer_class()
        import sentence_transformers.helpers as helpers
        real = sys.modules["sklearn"].__spec__.origin is not None
        print(cls.__name__, helpers.pairwise_distances.__module__, real)
    """, tmp_path)
    assert out.split() == ["SentenceTransformer", "sklearn.metrics.pairwise", "True"]


def test_nothing_is_stood_in_once_sklearn_is_loaded(tmp_path: Path) -> None:
    package = tmp_path / "sentence_transformers"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from sklearn.metrics import roc_curve\nclass SentenceTransformer:\n    pass\n")
    out = run_python("""
        import sys
        import sklearn.metrics
        from assistant.engines.embedder_import import sklearn_deferred
        with sklearn_deferred():
            import sentence_transformers
        print(sys.modules["sklearn.metrics"] is sklearn.metrics)
    """, tmp_path)
    assert out.split() == ["True"]
