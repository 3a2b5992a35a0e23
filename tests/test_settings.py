"""The settings module: typed environment helpers and safe defaults."""

import pytest
from django.conf import settings

from postroom.core.env import ConfigError, env_bool, env_int, env_str


def test_passwords_are_hashed_with_argon2_by_default():
    from postroom import settings as module

    assert module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_default_database_is_sqlite_in_wal_mode_unless_database_url(monkeypatch):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def test_bad_values_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ConfigError, match="X_BOOL"):
        env_bool("X_BOOL", False)
    with pytest.raises(ConfigError, match="X_INT"):
        env_int("X_INT", 1)


def test_secrets_can_come_from_files(monkeypatch, tmp_path):
    secret = tmp_path / "s"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET", "default") == "from-a-file"
