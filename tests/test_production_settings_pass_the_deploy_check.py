"""With production settings, `undersigned check --deploy` has nothing to say.

Each test starts a fresh process with a production environment built from
nothing (this process runs with test settings, which are not production's).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .servers import production_environment

ROOT = Path(__file__).resolve().parents[1]

# What a production process sees, and its admin login page, as JSON.
PROBE = """
import json
import django
from django.conf import settings
from django.test import Client

django.setup()
response = Client(HTTP_HOST="petitions.example.org").get("/admin/login/", secure=True)
print(json.dumps({
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security", ""),
    "set_cookie": [morsel.OutputString() for morsel in response.cookies.values()],
    "settings": {
        name: getattr(settings, name)
        for name in [
            "DEBUG", "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_PATH",
            "SESSION_COOKIE_DOMAIN", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_NAME",
            "CSRF_COOKIE_SECURE", "CSRF_COOKIE_PATH", "CSRF_COOKIE_DOMAIN",
            "REMEMBER_COOKIE", "SECURE", "STAFF_2FA", "SESSION_EXPIRE_AT_BROWSER_CLOSE",
            "MESSAGE_STORAGE",
        ]
    },
}))
"""


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_deploy_check_reports_no_warning_and_no_error(tmp_path):
    result = run(
        ["-m", "undersigned", "check", "--deploy", "--fail-level", "DEBUG"],
        production_environment(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert result.stderr == ""


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run(["-m", "undersigned", "check", "--deploy"], env)


def test_the_deploy_check_fails_without_a_key_ring(tmp_path):
    env = production_environment(tmp_path)
    del env["UNDERSIGNED_KEYS"]
    result = deploy_check(env)
    assert result.returncode != 0
    assert "undersigned.E001" in result.stderr
    assert "UNDERSIGNED_KEY_FILE" in result.stderr


def test_the_deploy_check_fails_with_a_key_file_it_cannot_read(tmp_path):
    env = production_environment(tmp_path)
    del env["UNDERSIGNED_KEYS"]
    (tmp_path / "keys.json").write_text('{"current": "k1", "keys": {}}')
    for path in (tmp_path / "keys.json", tmp_path / "missing.json"):
        result = deploy_check({**env, "UNDERSIGNED_KEY_FILE": str(path)})
        assert result.returncode != 0
        assert "undersigned.E001" in result.stderr


@pytest.mark.parametrize("site_url", ["http://petitions.example.org", "petitions.example.org"])
def test_the_deploy_check_fails_with_a_site_url_that_is_not_https(tmp_path, site_url):
    result = deploy_check({**production_environment(tmp_path), "SITE_URL": site_url})
    assert result.returncode != 0
    assert "undersigned.E002" in result.stderr
    assert "https://" in result.stderr


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    result = run(["-c", PROBE], production_environment(tmp_path_factory.mktemp("var")))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_host_only(production):
    s = production["settings"]
    assert s["SECURE"] and not s["DEBUG"] and s["STAFF_2FA"]
    for prefix in ("SESSION", "CSRF"):
        assert s[f"{prefix}_COOKIE_NAME"].startswith("__Host-")
        assert s[f"{prefix}_COOKIE_SECURE"] is True
        # __Host- cookies are refused by browsers unless Path=/ and no Domain.
        assert s[f"{prefix}_COOKIE_PATH"] == "/"
        assert s[f"{prefix}_COOKIE_DOMAIN"] is None
    assert s["SESSION_COOKIE_HTTPONLY"] and s["SESSION_EXPIRE_AT_BROWSER_CLOSE"]
    assert s["REMEMBER_COOKIE"].startswith("__Host-")
    assert s["MESSAGE_STORAGE"].endswith("SessionStorage")


def test_a_production_page_sets_only_host_only_secure_cookies(production):
    assert production["status"] == 200
    assert production["hsts"] == "max-age=31536000; includeSubDomains; preload"
    cookies = production["set_cookie"]
    assert [cookie.split("=", 1)[0] for cookie in cookies] == ["__Host-csrftoken"]
    attributes = {part.strip().lower() for part in cookies[0].split(";")[1:]}
    assert {"secure", "path=/"} <= attributes
    assert not any(attribute.startswith("domain") for attribute in attributes)
