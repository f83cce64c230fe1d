"""The documentation's executable parts: docstring examples and page snippets.

The Sphinx build itself (``sphinx-build -W``, which also runs the gallery) is
a step of ``.ci/run``; these tests keep the fast parts in the README's test
command so a broken docstring example fails ``python -m pytest`` too.
"""

import doctest
import inspect
import re
import warnings
from pathlib import Path

import pytest

import skreg

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PUBLIC = sorted(name for name in skreg.__all__ if not name.startswith("_"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", PUBLIC)
def test_public_docstring_has_numpydoc_sections(name):
    doc = inspect.getdoc(getattr(skreg, name))
    for section in ("Parameters", "Examples"):
        assert re.search(rf"^{section}\n-{{{len(section)}}}$", doc, re.M), (
            f"{name} has no {section} section"
        )
    examples = doc[doc.index("Examples\n--------") :]
    assert ">>> " in examples, f"{name}'s Examples section has no doctest"


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_examples_run(name):
    obj = getattr(skreg, name)
    # Only the object's own docstring: methods inherited from scikit-learn
    # carry scikit-learn's examples, tested there.
    test = doctest.DocTestParser().get_doctest(
        inspect.getdoc(obj), {}, f"skreg.{name}", inspect.getsourcefile(obj), 0
    )
    assert test.examples, f"skreg.{name} has no doctest examples"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of short examples
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} failing example(s) in skreg.{name}"


def _python_blocks(page):
    text = (DOCS / page).read_text()
    blocks = re.findall(
        r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", text, flags=re.M
    )
    return [re.sub(r"^   ", "", block, flags=re.M) for block in blocks]


@pytest.mark.parametrize(
    "page", ["quickstart.rst", "regularization.rst", "mlp_regularization.rst"]
)
def test_page_code_blocks_run(page, capsys):
    blocks = _python_blocks(page)
    assert blocks, f"no python code blocks found in {page}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            if "X, y = load_" not in block:  # fragments, e.g. the README snippet
                continue
            exec(compile(block, page, "exec"), {})
    assert capsys.readouterr().out.strip()


def test_every_public_name_is_in_the_api_reference():
    api = (DOCS / "api.rst").read_text()
    listed = set(re.findall(r"^   (\w+)$", api, flags=re.M))
    assert listed == set(PUBLIC) - {"__version__"}


def test_gallery_examples_have_a_title_and_draw():
    scripts = sorted(EXAMPLES.glob("plot_*.py"))
    assert len(scripts) >= 4
    for script in scripts:
        text = script.read_text()
        assert text.startswith('"""\n'), f"{script.name}: no sphinx-gallery title"
        assert "threadpool_limits(1)" in text, f"{script.name}: BLAS not pinned"
        assert "plt." in text, f"{script.name}: draws no figure"


def test_gallery_order_lists_every_example():
    import sys

    sys.path.insert(0, str(DOCS))
    try:
        from _gallery_hooks import ORDER
    finally:
        sys.path.remove(str(DOCS))
    assert sorted(ORDER) == sorted(p.name for p in EXAMPLES.glob("plot_*.py"))


def test_recorded_benchmark_tables_parse():
    import sys

    bench = DOCS.parent / "benchmarks"
    sys.path.insert(0, str(bench))
    try:
        import plot_results
    finally:
        sys.path.remove(str(bench))
    tables = sorted((DOCS / "benchmark_results").glob("*.txt"))
    assert tables
    for table in tables:
        results = plot_results.speedups(plot_results.parse(table.read_text()))
        assert "dense-single" in results
        for anchors in results.values():
            assert all(speedup > 0 for _, speedup, _, _ in anchors)
