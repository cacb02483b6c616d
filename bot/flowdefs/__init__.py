"""Flow definitions: the model, safe loading, checks and graphs of the files in ``flows/``.

Split by purpose: ``yamlsafe`` (safe YAML with line numbers), ``model`` (the typed values),
``load``, ``nodes`` and ``reader`` (file shapes), ``conditions`` (the branch language), ``data``
(reference tables), ``check`` (how flows fit together: a package, one module per concern),
``problems`` (what is reported and how), ``folder`` (reading the folder), ``graph`` (Mermaid and
DOT). Nothing here imports telegram, sqlalchemy, cryptography or babel
(``tests/test_architecture.py``).
"""
