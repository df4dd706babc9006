"""The ``autoprov`` command: Typer front end over the services."""
