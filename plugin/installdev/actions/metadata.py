"""What the installed project says about itself: the extras its built metadata provides.

Used for projects whose extras only the build knows (setup.py, dynamic optional-dependencies): pip and uv
only warn about an extra the project does not provide and install nothing for it, so installdev asks the
venv. The project's distribution is the one whose ``direct_url.json`` points at the project directory; both
sides are compared with symlinks resolved, as installers write the path they were given (uv keeps a symlinked
project path as it is).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from installdev.actions.venvdir import venv_python

_SCRIPT = """
import json, os, sys
from importlib import metadata
from urllib.parse import urlparse
from urllib.request import url2pathname
wanted = os.path.normcase(os.path.realpath(sys.argv[1]))
for dist in metadata.distributions():
    try:
        url = urlparse(json.loads(dist.read_text("direct_url.json") or "{}").get("url", ""))
    except (ValueError, AttributeError):
        continue
    if url.scheme == "file" and os.path.normcase(os.path.realpath(url2pathname(url.path))) == wanted:
        print(json.dumps(dist.metadata.get_all("Provides-Extra") or []))
        break
else:
    print("null")
"""


def provided_extras(venv: Path, project_dir: Path) -> set[str] | None:
    """The normalized extras the installed project provides, or None when it cannot be found in the venv."""
    from installdev.request.project.tables import normalize_name

    completed = subprocess.run([str(venv_python(venv)), "-I", "-c", _SCRIPT, str(project_dir)], capture_output=True,
                               text=True, timeout=120, stdin=subprocess.DEVNULL)
    try:
        extras = json.loads(completed.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return None if extras is None else {normalize_name(extra) for extra in extras}
