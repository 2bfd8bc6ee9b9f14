"""``scamscope check-data``: every rule of the rule files loads and its examples behave."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EXIT_OK, EXIT_FAILURES, EXIT_UNUSABLE = 0, 1, 2


def check_data_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Rule files to check (default: the shipped scamscope/data files with [[check]] tables)."),
    ] = None,
) -> None:
    """Check the detection rule files like Sigma rules: each rule has an id, provenance and examples,
    loads, fires on every examples.match and stays silent on every examples.no_match.

    Exit status: 0 all good, 1 a list of failing rules, 2 a file cannot be read or is not a rule file.
    """
    from scamscope.rulecheck import DataFileError, check_file, shipped_rule_files

    paths = list(files or shipped_rule_files())
    if not paths:
        typer.echo("error: no rule files to check", err=True)
        raise typer.Exit(EXIT_UNUSABLE)
    unusable: list[str] = []
    failures = 0
    for path in paths:
        try:
            count, problems = check_file(path)
        except DataFileError as exc:
            unusable.append(str(exc))
            continue
        failures += len(problems)
        status = "ok" if not problems else f"{len(problems)} problem(s)"
        typer.echo(f"{path.name}: {count} rules, {status}")
        for p in problems:
            typer.echo(f"  FAIL {p}")
    for message in unusable:
        typer.echo(f"error: {message}", err=True)
    if unusable:
        raise typer.Exit(EXIT_UNUSABLE)
    raise typer.Exit(EXIT_FAILURES if failures else EXIT_OK)
