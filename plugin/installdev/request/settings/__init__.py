"""What the user asked for: the command line's options, the environment flags (parsed strictly) and the project's
``[tool.installdev]`` table, merged into one venv's ``Settings``."""
