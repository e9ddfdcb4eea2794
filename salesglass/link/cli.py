"""Commands of this area: `salesglass link` and `salesglass doctor`."""

import typer


def register(app: typer.Typer) -> None:
    """Filled in below."""
