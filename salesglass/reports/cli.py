"""Commands of this area; `register` adds them to the `salesglass` app."""

import typer


def register(app: typer.Typer) -> None:
    """No commands yet."""
