"""Per-tool readers of a project's development declarations: pure functions of the parsed pyproject.toml that
mirror each tool's own rules (uv's PEP 735 groups, poetry's groups and constraint syntax, pdm's groups)."""
