"""Read-only observations of the host: platform facts, mounts, the probe, interpreter discovery.

Nothing here writes, except the probe in its own private temp directory, which it removes.
"""
