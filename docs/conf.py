"""Sphinx configuration of skreg's documentation.

Build (from the repository root)::

    pip install -e ".[docs]" && sphinx-build -W -b html docs docs/_build/html

The gallery scripts live in ``examples/`` at the top of the repository, beside
``skreg/``, so they can be run as plain Python scripts; sphinx-gallery runs
each ``plot_*.py`` once per build and writes ``docs/auto_examples/``.
"""

import os
import re
import sys
from pathlib import Path

# Set before numba is imported (by skreg): examples pin BLAS threads
# themselves, and numba should not start a thread pool either (two cores in
# CI).  Matplotlib draws without a display.
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import skreg  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


project = "skreg"
author = "skreg developers"
copyright = "skreg developers"  # noqa: A001
version = release = skreg.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "README.md",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
    "sg_execution_times.rst",
]
root_doc = "index"

# -- API reference ---------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"
# numpydoc renders the Methods table itself from the class template below;
# listing members twice would produce duplicate-object warnings.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- HTML ------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skreg {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"install": [], "quickstart": [], "benchmarks": []}
html_show_sourcelink = False

# -- Gallery ---------------------------------------------------------------


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Every plot_*.py is executed at each build; a failing one fails the build.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "reset_modules": ("matplotlib", "_gallery_hooks.reset_threads"),
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "within_subsection_order": "_gallery_hooks.ExampleOrder",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "min_reported_time": 1,
    "write_computation_times": True,
    "copyfile_regex": "",
    "doc_module": ("skreg",),
    "backreferences_dir": None,
}

sys.path.insert(0, str(HERE))  # _gallery_hooks

# -- Benchmark figures -----------------------------------------------------
# Saved stdout of benchmarks/run.py (docs/benchmark_results/*.txt) is turned
# into a figure by benchmarks/plot_results.py at every build; nothing is
# re-measured here.
BENCHMARK_TITLES = {
    "lasso": "python benchmarks/run.py lasso  (2 cores, one other job running)",
}


def _plot_benchmark_results():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import plot_results
    finally:
        sys.path.pop(0)
    for table in sorted((HERE / "benchmark_results").glob("*.txt")):
        rows = plot_results.parse(table.read_text())
        title = BENCHMARK_TITLES.get(table.stem, table.name)
        plot_results.plot(plot_results.speedups(rows), title, table.with_suffix(".png"))


_plot_benchmark_results()

_TRAILING_UNDERSCORE = re.compile(r"\b(\w+)_(?=[,)])")


_SKLEARN_REF = re.compile(r":ref:`(?:([^`<]*?)\s*<[^>]*>|([^`]*))`")


def _fix_docstring(app, what, name, obj, options, lines):
    """Make scikit-learn-style docstrings valid reST for this site.

    - ``shape (n_features_in_,)`` would read as a link to a target named
      ``n_features_in``; the trailing underscore is escaped.
    - Methods inherited from scikit-learn (``score``, ``get_params``) carry
      ``:ref:`` labels of scikit-learn's own site; they become plain text.
    """
    for i, line in enumerate(lines):
        if "shape (" in line:
            line = _TRAILING_UNDERSCORE.sub(r"\1\\_", line)
        if ":ref:`" in line:
            line = _SKLEARN_REF.sub(lambda m: m.group(1) or m.group(2), line)
        lines[i] = line


def setup(app):
    """Register the docstring hook."""
    app.connect("autodoc-process-docstring", _fix_docstring, priority=100)
