from libdemo import __version__, greeting


def test_greeting_names_the_library_version():
    assert greeting("tests") == f"Hello, tests, from libdemo {__version__}"
