"""Actions at the edges: the venv directory, the lock, creation, installation, health, freshness, the stamp.

They act on what the plan decided; they never decide.
"""
