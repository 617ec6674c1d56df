"""Monorepos: the workspace table, each member's settings, the order path dependencies impose, the parallel run and its display."""
