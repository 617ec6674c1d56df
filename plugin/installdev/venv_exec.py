"""Running a command inside a venv, as after activating it: the venv's bin (Scripts on Windows) first on PATH,
VIRTUAL_ENV set, PYTHONHOME unset. On POSIX the command replaces this process (its exit status, signals and terminal
are its own); on Windows it runs as a child and its exit status is returned.

Imports only what the interpreter has loaded at start, so ``installdev run``'s quick path can use it.
"""

import os


def scripts_directory(venv):
    return os.path.join(str(venv), "Scripts" if os.name == "nt" else "bin")


def activated_environment(venv, env):
    """``env`` as activating ``venv`` leaves it. On Windows the existing spelling of PATH (often ``Path``) is kept."""
    environment = {name: value for name, value in env.items() if name != "PYTHONHOME"}
    path_name = next((name for name in environment if name.upper() == "PATH"), "PATH") if os.name == "nt" else "PATH"
    environment[path_name] = os.pathsep.join(part for part in (scripts_directory(venv), environment.get(path_name, "")) if part)
    environment["VIRTUAL_ENV"] = str(venv)
    return environment


def replace_process(command, environment):
    """POSIX: exec ``command`` (looked up on the environment's PATH) in place of this process. Raises OSError."""
    import signal

    for name in ("SIGPIPE", "SIGXFSZ"):  # Python ignores them; the command must start with the default behaviour
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    os.execvpe(command[0], command, environment)
