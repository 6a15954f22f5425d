"""Nothing the app runs reaches the network: `newsdesk ask` and a served question under strace
make no connection and no DNS query beyond this machine. Without a loopback interface, or
with its port taken, the web chat is a one-line error."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from gradio_client import Client

from helpers import cli_command, cli_env, free_port, wait_for_port

STRACE = shutil.which("strace")
needs_strace = pytest.mark.skipif(
    STRACE is None, reason="strace is not installed (the Makefile's test step installs it)")
# ONNX Runtime's telemetry looked up its collector about 8 s after the first question.
QUIET_AFTER_QUESTION_S = 15
_ADDRESS = re.compile(r'sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([^"]+)"\)|'
                      r'inet_pton\(AF_INET6, "([^"]+)")')


def outward_calls(trace: str) -> list[str]:
    """The connect/sendto calls of a strace log that leave the machine: any address that is
    not loopback, and any DNS query. Unix and netlink sockets stay on the machine."""
    calls = []
    for line in trace.splitlines():
        if "connect(" not in line and "sendto(" not in line:
            continue
        for port, ipv4, ipv6 in _ADDRESS.findall(line):
            address = ipaddress.ip_address(ipv4 or ipv6)
            mapped = getattr(address, "ipv4_mapped", None) or address
            if port == "53" or not (mapped.is_loopback or mapped.is_unspecified):
                calls.append(line)
    return calls


def loopback_calls(trace: str) -> list[str]:
    return [line for line in trace.splitlines()
            if "connect(" in line and ('"127.' in line or '"::1"' in line)]


def traced(log: Path, *args: str) -> list[str]:
    return [STRACE, "-f", "-e", "trace=connect,sendto", "-o", str(log), *cli_command(*args)]


@needs_strace
def test_ask_makes_no_outward_connection(real, tmp_path):
    log = tmp_path / "ask.strace"
    result = subprocess.run(
        traced(log, "ask", "How many were injured in Kharkiv?"), capture_output=True,
        text=True, timeout=300, env=cli_env(index_dir=str(real.settings.index_dir)),
    )
    assert result.returncode == 0, result.stderr
    assert "Sources:" in result.stdout
    trace = log.read_text()
    assert "+++ exited with 0 +++" in trace  # the log is the whole run
    assert outward_calls(trace) == []


@needs_strace
def test_a_served_question_makes_no_outward_connection(real, tmp_path):
    log, port = tmp_path / "serve.strace", free_port()
    server = subprocess.Popen(
        traced(log, "serve", "--port", str(port)), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env=cli_env(index_dir=str(real.settings.index_dir)),
    )
    try:
        wait_for_port(port, server)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        _, chat = client.predict("How many were injured in Kharkiv?", [], [], "", "",
                                 api_name="/chat")
        assert "28 injured" in str(chat[-1]["content"])
        time.sleep(QUIET_AFTER_QUESTION_S)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    trace = log.read_text()
    assert loopback_calls(trace)  # the tracer saw the server's own start-up check
    assert outward_calls(trace) == []


def test_outward_calls_are_recognised():
    trace = "\n".join([
        '7 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.53")}, 16) = 0',
        '7 connect(8, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("20.1.2.3")}, 16)',
        '7 connect(9, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}, 16)',
        '7 connect(5, {sa_family=AF_INET6, sin6_port=htons(7860), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
        '7 connect(6, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1',
    ])
    assert [line.split("(")[1].split(",")[0] for line in outward_calls(trace)] == ["7", "8"]


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="cannot start a process in a network namespace "
                    "of its own here (unshare -n needs root or user namespaces)")
def test_serve_without_a_loopback_interface_is_one_line(tmp_path):
    result = subprocess.run(
        ["unshare", "-n", *cli_command("serve", "--port", str(free_port()))],
        capture_output=True, text=True, timeout=300,
        env=cli_env(index_dir=str(tmp_path / "index")),
    )
    assert result.returncode == 1
    assert result.stderr.startswith("newsdesk: error: cannot reach 127.0.0.1 on this machine")
    assert "loopback" in result.stderr and result.stderr.count("\n") == 1


def test_serve_on_a_taken_port_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            cli_command("serve", "--port", str(port)), capture_output=True, text=True,
            timeout=300, env=cli_env(index_dir=str(tmp_path / "index")),
        )
    assert result.returncode == 1
    assert result.stderr == (f"newsdesk: error: cannot serve on 127.0.0.1:{port}: the port is "
                             "in use; choose another with --port\n")
