"""Databases for tests whose child processes open a database of their own.

On PostgreSQL one database is migrated once per run (:func:`migrated_template`), and
each such test gets a copy of it (``CREATE DATABASE ... TEMPLATE``): a copy takes well
under a second, migrating a new database some 15 to 30 seconds. On SQLite each test
migrates a new file, as before.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def on_postgres() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"))


def _server() -> tuple[str, str]:
    """The server of the test database: a libpq string and a URL prefix."""
    db = settings.DATABASES["default"]
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"host={host} port={port} user={db['USER']}", f"postgres://{db['USER']}@{host}:{port}"


def database_url(name: str) -> str:
    return f"{_server()[1]}/{name}"


def admin(statement: str) -> None:
    """Run one statement (CREATE or DROP DATABASE) on the server's ``postgres`` database."""
    with psycopg.connect(f"{_server()[0]} dbname=postgres", autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def child_environment(data_dir: Path) -> dict[str, str]:
    """The environment of a child process, with no database chosen yet."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "postroom.settings",
        "POSTROOM_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("REDIS_URL", None)
    environment.pop("DATABASE_URL", None)
    return environment


def migrate(environment: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "postroom.cli", "migrate"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """On PostgreSQL, the name of a migrated database to copy; on SQLite, None."""
    if not on_postgres():
        yield None
        return
    name = f"procs_template_{uuid.uuid4().hex[:10]}"
    admin(f'CREATE DATABASE "{name}"')
    try:
        environment = child_environment(tmp_path_factory.mktemp("template"))
        environment["DATABASE_URL"] = database_url(name)
        migrate(environment)
        yield name
    finally:
        admin(f'DROP DATABASE "{name}" WITH (FORCE)')
