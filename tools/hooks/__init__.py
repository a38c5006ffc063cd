"""MkDocs hooks, loaded by path from `mkdocs.yml`; importable as `tools.hooks.<name>` for their tests."""
