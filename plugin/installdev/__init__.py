"""installdev: create a project's development virtualenv, safely and fast.

The command line (``installdev``, ``python -m installdev``) is the public surface; the modules are
split by role: host facts -> policy decision -> actions (probe, create, install, stamp).
"""

__version__ = "0.1.0"
