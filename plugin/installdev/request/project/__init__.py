"""The project being installed: its files and document (``model``), what it declares for development
(``declarations``, with a reader per tool in ``readers``), the interpreter it accepts, and its requirement files."""
