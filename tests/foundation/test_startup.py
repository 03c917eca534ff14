"""Start-up: production fails closed, and every start-up failure is one line and exit 1.

Each case runs the real command line (`python -m flask --app advisor_hub ...`, gunicorn) in a
subprocess with its own environment and instance folder; none touches the checkout's instance/.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from advisor_hub import ROOT

SETTINGS = ("SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "DATABASE_URL", "SANDBOX_MOUNT",
            "SCHEDULER_ENABLED", "TRUSTED_HOSTS", "UPLOAD_FOLDER")
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "portal.sqlite3"
    shutil.copy(sqlite_template, path)
    return path


@pytest.fixture
def production(tmp_path: Path, database: Path) -> dict[str, str]:
    """A complete production configuration: it starts."""
    return {
        "SECRET_KEY": "a-long-random-value-shared-by-every-node-0123456789",
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode("ascii"),
        "DATABASE_URL": f"sqlite:///{database}",
        "SANDBOX_MOUNT": "false",
        "ADVISOR_HUB_INSTANCE_PATH": str(tmp_path / "instance"),
        "ADVISOR_HUB_UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 60,
        **kwargs: object) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("ADVISOR_HUB_", "FLASK_")) and k not in SETTINGS}
    base["PYTHONPATH"] = str(ROOT)
    base["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(command, env={**base, **env}, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]


def flask(env: dict[str, str], cwd: Path, *args: str, **kwargs: object
          ) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "flask", "--app", "advisor_hub", *args], env, cwd,
               **kwargs)


def serve(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # If the check wrongly passed, the server would run until the timeout (a failure).
    return flask(env, cwd, "run", "--port", "0", timeout=45)


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("Error: ")
    for word in words:
        assert word in line, line
    return line


# -- production fails closed -------------------------------------------------------------------


def test_a_complete_production_configuration_starts(production, tmp_path) -> None:
    result = flask(production, tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "Ready" in result.stdout
    assert not (tmp_path / "instance" / "secret_key").exists()


@pytest.mark.parametrize("change,words", [
    ({"SECRET_KEY": ""}, ("SECRET_KEY is not set", "set SECRET_KEY")),
    ({"TOKEN_ENCRYPTION_KEY": ""}, ("TOKEN_ENCRYPTION_KEY is not set", "Fernet")),
    ({"SANDBOX_MOUNT": "true"}, ("SANDBOX_MOUNT", "SANDBOX_MOUNT=false")),
    ({"ADVISOR_HUB_SESSION_COOKIE_SECURE": "false"}, ("SESSION_COOKIE_SECURE", "https")),
    ({"TOKEN_ENCRYPTION_KEY": "not-a-fernet-key"}, ("TOKEN_ENCRYPTION_KEY is not a valid",)),
])
def test_production_refuses_to_start(production, tmp_path, change, words) -> None:
    env = {k: v for k, v in {**production, **change}.items() if v}
    line = assert_one_line(serve(env, tmp_path), *words)
    assert "ADVISOR_HUB_ENV=development" in line or "Fernet" in line
    # No key was generated behind the operator's back.
    assert not (tmp_path / "instance" / "secret_key").exists()
    assert not (tmp_path / "instance" / "token_encryption_key").exists()


def test_production_refusal_also_stops_gunicorn(production, tmp_path) -> None:
    env = {k: v for k, v in production.items() if k != "SECRET_KEY"}
    result = run([sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0",
                  "advisor_hub:create_app()"], env, ROOT, timeout=45)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    ours = [line for line in result.stderr.splitlines() if "[INFO]" not in line and line]
    assert len(ours) == 1 and ours[0].startswith("Error: SECRET_KEY is not set"), result.stderr


def test_development_generates_private_keys(tmp_path, database) -> None:
    env = {"ADVISOR_HUB_ENV": "development", "DATABASE_URL": f"sqlite:///{database}",
           "ADVISOR_HUB_INSTANCE_PATH": str(tmp_path / "instance")}
    result = flask(env, tmp_path, "check")
    assert result.returncode == 0, result.stderr
    for name in ("secret_key", "token_encryption_key"):
        mode = stat.S_IMODE((tmp_path / "instance" / name).stat().st_mode)
        assert mode == 0o600, f"{name} is {oct(mode)}"
    assert not list((tmp_path / "instance").glob(".*")), "a temporary key file was left behind"


# -- one line for every start-up failure -------------------------------------------------------


@pytest.mark.parametrize("url", ["not a url", "nosuchdatabase://host/name"])
def test_a_bad_database_url_is_one_line(production, tmp_path, url) -> None:
    line = assert_one_line(serve({**production, "DATABASE_URL": url}, tmp_path),
                           "DATABASE_URL", "postgresql+psycopg://")
    assert "not a url" not in line


def test_an_unreachable_database_is_one_line(production, tmp_path) -> None:
    env = {**production, "DATABASE_URL": UNREACHABLE}
    assert_one_line(serve(env, tmp_path), "Cannot reach the database", "127.0.0.1", "DATABASE_URL")
    assert_one_line(flask(env, tmp_path, "scheduler", "--once"), "Cannot reach the database")


def test_an_unreachable_database_stops_gunicorn_in_one_line(production, tmp_path) -> None:
    env = {**production, "DATABASE_URL": UNREACHABLE}
    result = run([sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0",
                  "advisor_hub:create_app()"], env, ROOT, timeout=45)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    ours = [line for line in result.stderr.splitlines() if "[INFO]" not in line and line]
    assert len(ours) == 1 and "Cannot reach the database" in ours[0], result.stderr


def _one_migration_behind(path: Path) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from advisor_hub import migrate
    from advisor_hub.startup import _with_ancestors

    config = migrate.alembic_config(f"sqlite:///{path}")
    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    # A head whose parent no other head descends from: one step back on its branch alone.
    head = next(rev for rev in script.get_revisions("heads")
                if isinstance(rev.down_revision, str)
                and rev.down_revision not in _with_ancestors(script, heads - {rev.revision}))
    command.downgrade(config, f"{head.revision}@-1")


def test_a_pending_migration_is_one_line_and_db_upgrade_still_runs(production, tmp_path,
                                                                    database) -> None:
    _one_migration_behind(database)
    assert_one_line(serve(production, tmp_path), "1 migration not applied", "db-upgrade")
    assert_one_line(flask(production, tmp_path, "scheduler", "--once"), "db-upgrade")
    upgraded = flask(production, tmp_path, "db-upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert flask(production, tmp_path, "check").returncode == 0


def test_an_empty_database_is_one_line(production, tmp_path) -> None:
    env = {**production, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    assert_one_line(serve(env, tmp_path), "no tables yet", "db-upgrade")


def test_an_instance_folder_that_cannot_be_created_is_one_line(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {"ADVISOR_HUB_ENV": "development", "ADVISOR_HUB_INSTANCE_PATH": str(blocker / "inst")}
    assert_one_line(flask(env, tmp_path, "check"), "Cannot write to the instance folder",
                    str(blocker / "inst"))


def test_a_read_only_instance_folder_is_one_line(tmp_path) -> None:
    if os.geteuid() == 0:
        # Permission bits do not stop root; /sys refuses even root's writes (Linux).
        instance = Path("/sys")
        if os.access(instance, os.W_OK) and _writable(instance):
            pytest.skip("no folder read-only for root on this machine")
    else:
        instance = tmp_path / "instance"
        instance.mkdir()
        instance.chmod(0o555)
    env = {"ADVISOR_HUB_ENV": "development", "ADVISOR_HUB_INSTANCE_PATH": str(instance)}
    try:
        assert_one_line(flask(env, tmp_path, "check"), "Cannot write to the instance folder",
                        str(instance), "denied")
    finally:
        if instance != Path("/sys"):
            instance.chmod(0o755)


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True


def test_the_sqlite_database_is_created_private(production, tmp_path) -> None:
    path = tmp_path / "new.sqlite3"
    env = {**production, "DATABASE_URL": f"sqlite:///{path}"}
    assert flask(env, tmp_path, "db-upgrade").returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
