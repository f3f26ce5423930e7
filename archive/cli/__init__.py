"""The command line (`news-archive`, `python -m archive`): argument parsing in
:mod:`archive.cli.parser`, one module per command. Nothing below it imports it."""
