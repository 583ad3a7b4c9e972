"""A request over the body limit, sent to real servers (issue 8, item 7).

`make run` serves the portal with Django's runserver; production uses
gunicorn. Both must answer an oversized form with the same Russian 413 page.
Under runserver it used to be a 500: the size middleware set
"Connection: close", a hop-by-hop header that wsgiref (runserver's base)
refuses from an application. Under gunicorn the page was sent, but the
connection was closed on the unread body, so a client still sending got a
broken pipe instead of the page; the body is now read and thrown away.

Each server runs as its own process on a free loopback port, against a
SQLite database migrated once for this module.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
BODY_BYTES = 13 * MB  # over the default APPEALS_MAX_REQUEST_BYTES (10 MB of files + 2 MB)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("servers")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "appeals_portal.settings",
        "PORTAL_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
        "SECRET_KEY": "a-test-only-secret-key-for-the-server-processes",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
    )
    return env


def start(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"the server did not listen on {port}: {log.read_text(errors='replace')}")


@pytest.fixture(params=["runserver", "gunicorn"])
def server(request, server_env: dict[str, str], tmp_path: Path) -> Iterator[int]:
    port = free_port()
    if request.param == "runserver":
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    else:
        command = [sys.executable, "-m", "gunicorn", "appeals_portal.wsgi", "--bind", f"127.0.0.1:{port}",
                   "--workers", "1"]
    process = start(command, server_env, port, tmp_path / "server.log")
    try:
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def post_oversized_form(port: int) -> tuple[int, str]:
    """A multipart form with one 13 MB file, sent whole, as a browser sends it."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"last_name\"\r\n\r\nИванова\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"scan.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = head + b"%PDF-1.7\n" + b"\0" * (BODY_BYTES - len(head) - len(tail) - 9) + tail
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def main_text(html: str) -> str:
    main = re.search(r"<main.*?</main>", html, re.S)
    assert main, html
    return " ".join(re.sub(r"<[^>]+>", " ", main.group(0)).split())


@pytest.mark.timeout(240)
def test_an_oversized_form_gets_the_russian_413_page(server: int):
    status, html = post_oversized_form(server)

    assert status == 413, html[:500]
    text = main_text(html)
    assert "Файлы слишком большие" in text
    assert "занимает 13 МБ, а принимается не больше 12 МБ" in text
    assert "файлы вместе могут занимать не больше 10 МБ" in text
    assert "кнопку «Назад»: введённый текст останется в форме" in text
    # The server is still there for the next request.
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    connection.request("GET", "/")
    assert connection.getresponse().status == 200
    connection.close()


@pytest.mark.timeout(300)
def test_runserver_and_gunicorn_show_the_same_page(server_env: dict[str, str], tmp_path: Path):
    texts = []
    for name, command in (
        ("runserver", [sys.executable, "manage.py", "runserver", "127.0.0.1:{port}", "--noreload"]),
        ("gunicorn", [sys.executable, "-m", "gunicorn", "appeals_portal.wsgi", "--bind", "127.0.0.1:{port}"]),
    ):
        port = free_port()
        process = start([part.format(port=port) for part in command], server_env, port, tmp_path / f"{name}.log")
        try:
            status, html = post_oversized_form(port)
        finally:
            process.terminate()
            process.wait(timeout=20)
        assert status == 413
        texts.append(main_text(html))
    assert texts[0] == texts[1]
