#!/usr/bin/env python3
"""installdev's thin entry point for builds: ``python3 plugin/run_installdev.py install-dev [PROJECT_DIR] ...``.

Runs installdev from this directory (a checkout of installdev, or a vendored copy of ``plugin/``) with
nothing installed but Python >= 3.10 and, on first use, pip: installdev's pinned dependencies are
installed once into a private tool directory in the user's cache when this interpreter lacks them.
See installdev_bootstrap.py. Kept tiny because a script is compiled on every run; modules are cached.
"""

import os
import sys

if __name__ == "__main__":
    _here = os.path.dirname(os.path.abspath(__file__))
    if _here not in sys.path:  # not there under python -P / PYTHONSAFEPATH
        sys.path.insert(0, _here)
    from installdev_bootstrap import main

    sys.exit(main())
