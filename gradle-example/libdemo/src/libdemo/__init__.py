"""libdemo: the library half of installdev's Gradle example."""

__version__ = "0.1.0"


def greeting(name: str) -> str:
    return f"Hello, {name}, from libdemo {__version__}"
