import stat
from pathlib import Path

import pytest

from messaging.errors import ConfigurationError
from messaging.settings import load_settings, remember_served_url, served_url


def test_defaults_give_embedded_mode_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"INTERLUDE_DATA_DIR": str(tmp_path)})

    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/interlude.db"
    assert settings.is_sqlite
    assert settings.in_process_worker
    assert settings.redis_url is None
    assert settings.smtp_url is None
    assert settings.mail_outbox_dir == tmp_path / "mail-outbox"
    assert settings.public_url == "http://127.0.0.1:8000"


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = load_settings({"INTERLUDE_DATA_DIR": str(tmp_path)})
    second = load_settings({"INTERLUDE_DATA_DIR": str(tmp_path)})

    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32


def test_a_crashed_worker_costs_seconds_by_default(tmp_path: Path) -> None:
    assert load_settings({"INTERLUDE_DATA_DIR": str(tmp_path)}).job_lease_seconds == 10


def test_no_proxy_is_trusted_unless_named(tmp_path: Path) -> None:
    assert load_settings({"INTERLUDE_DATA_DIR": str(tmp_path)}).trusted_proxies == ()
    named = load_settings(
        {"INTERLUDE_DATA_DIR": str(tmp_path), "INTERLUDE_TRUSTED_PROXIES": "172.28.0.10, fd00::/8"}
    )
    assert [str(n) for n in named.trusted_proxies] == ["172.28.0.10/32", "fd00::/8"]


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings({"INTERLUDE_DATA_DIR": str(tmp_path)})
    with pytest.raises(AttributeError):
        settings.public_url = "http://elsewhere"  # type: ignore[misc]


def test_postgresql_defaults_to_a_separate_worker(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "INTERLUDE_DATA_DIR": str(tmp_path),
            "INTERLUDE_DATABASE_URL": "postgresql+asyncpg://u:p@db:5432/interlude",
            "INTERLUDE_SECRET_KEY": "k" * 40,
        }
    )
    assert not settings.in_process_worker


def test_postgresql_requires_a_shared_secret_key(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigurationError, match=r"^INTERLUDE_SECRET_KEY: required with PostgreSQL"
    ):
        load_settings(
            {
                "INTERLUDE_DATA_DIR": str(tmp_path),
                "INTERLUDE_DATABASE_URL": "postgresql+asyncpg://u:p@db:5432/interlude",
            }
        )


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("INTERLUDE_DATABASE_URL", "mysql://x/y", "scheme 'mysql' is not supported"),
        ("INTERLUDE_DATABASE_URL", "postgresql://u@h/db", "scheme 'postgresql' is not supported"),
        ("INTERLUDE_REDIS_URL", "http://redis:6379", "scheme 'http' is not supported"),
        ("INTERLUDE_REDIS_URL", "redis://", "the URL has no host"),
        ("INTERLUDE_SMTP_URL", "smtp://mail:notaport", "not a valid URL"),
        ("INTERLUDE_SMTP_URL", "imap://mail", "scheme 'imap' is not supported"),
        ("INTERLUDE_PUBLIC_URL", "ftp://example.org", "scheme 'ftp' is not supported"),
        ("INTERLUDE_SECRET_KEY", "short", "at least 32 characters"),
        ("INTERLUDE_LOG_FORMAT", "xml", "'xml' is not one of text, json"),
        ("INTERLUDE_LOG_LEVEL", "loud", "'LOUD' is not one of"),
        ("INTERLUDE_IN_PROCESS_WORKER", "maybe", "'maybe' is not a boolean"),
        ("INTERLUDE_JOB_LEASE_SECONDS", "soon", "'soon' is not a whole number"),
        ("INTERLUDE_JOB_MAX_ATTEMPTS", "0", "below the minimum of 1"),
        ("INTERLUDE_TRUSTED_PROXIES", "nginx", "'nginx' is not an IP address or network"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_problem(
    tmp_path: Path, variable: str, value: str, complaint: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"INTERLUDE_DATA_DIR": str(tmp_path), variable: value})

    message = str(raised.value)
    assert message.startswith(f"{variable}: ")
    assert complaint in message


def test_an_unusable_data_dir_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigurationError, match=r"^INTERLUDE_DATA_DIR: cannot create"):
        load_settings({"INTERLUDE_DATA_DIR": str(blocker / "data")})


def test_the_public_url_follows_the_served_address_unless_given(tmp_path: Path) -> None:
    env = {"INTERLUDE_DATA_DIR": str(tmp_path)}
    default = load_settings(env)
    assert default.public_url_is_default
    remember_served_url(default, served_url("0.0.0.0", 8202))
    assert load_settings(env).public_url == "http://127.0.0.1:8202"
    given = load_settings({**env, "INTERLUDE_PUBLIC_URL": "https://care.example.org/"})
    assert given.public_url == "https://care.example.org"
    assert not given.public_url_is_default
    assert served_url("::", 8000) == "http://[::1]:8000"
    assert served_url("192.0.2.7", 80) == "http://192.0.2.7:80"
