"""The project being installed, read once: its files and document (``model``), what it declares for development
(``declarations``, with a reader per tool in ``readers``), the interpreter it accepts, and its requirement files."""
