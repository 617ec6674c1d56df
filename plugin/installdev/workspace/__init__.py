"""Monorepos, for ``installdev bootstrap``: the workspace table (config), each member's settings (members), the
order path dependencies impose (graph), the live display and summary table (progress), and the parallel run (run)."""
