from appdemo.__main__ import main


def test_main_greets_the_name_given(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["appdemo", "tests"])
    assert main() == 0
    assert capsys.readouterr().out == "Hello, tests, from libdemo 0.1.0\n"
