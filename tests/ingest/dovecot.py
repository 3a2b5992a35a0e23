"""A throwaway Dovecot (Debian's dovecot-imapd) for tests that need a real IMAP server.

The ``dovecot`` fixture starts one instance per test session on free ports: plain IMAP
(with STARTTLS offered) and implicit TLS, using a self-signed certificate whose file
``Dovecot.ca_file`` a client can trust. It follows the gotchas in
``shared/recipes/test-servers.md``: mail runs under a non-root uid, and the instance
directory (with all its parents) is traversable by others, so it lives under /tmp with
mode 0755 rather than in a 0700 temporary directory.

Import the fixture from a ``conftest.py``; tests share the server, so each test should
work in folders of its own (``Dovecot.new_folder``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imapclient import IMAPClient

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
USER = "support@example.test"
PASSWORD = "imap secret"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


@dataclass
class Dovecot:
    host: str
    port: int  # plain IMAP, STARTTLS offered
    tls_port: int  # implicit TLS
    directory: Path
    config: Path
    ca_file: Path
    user: str = USER
    password: str = PASSWORD
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @contextmanager
    def client(self, user: str | None = None, password: str | None = None) -> Iterator[IMAPClient]:
        """A logged-in plain-IMAP connection (for appending and checking from a test)."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        try:
            client.login(user or self.user, password or self.password)
            yield client
        finally:
            try:
                client.logout()
            except Exception:
                client.shutdown()

    def new_folder(self, prefix: str = "t") -> str:
        """Create a folder no other test uses and return its name."""
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        with self.client() as client:
            client.create_folder(name)
        return name

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts this server's certificate."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def kick(self, user: str | None = None) -> None:
        """Disconnect every session of ``user`` (the server says BYE and closes)."""
        subprocess.run(
            [DOVEADM, "-c", str(self.config), "kick", user or self.user],
            check=True,
            capture_output=True,
            timeout=10,
        )

    def hang_up(self, user: str | None = None) -> None:
        """End every session of ``user`` abruptly: no BYE, the socket just closes.

        Kills this instance's imap processes of that user, by the pids it reports.
        """
        who = subprocess.run(
            [DOVEADM, "-c", str(self.config), "who", "-1", user or self.user],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        )
        pids = [int(line.split()[2]) for line in who.stdout.splitlines()[1:] if line.strip()]
        if not pids:
            raise RuntimeError(f"no IMAP session of {user or self.user} to hang up")
        for pid in pids:
            os.kill(pid, signal.SIGKILL)

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _mail_identity() -> tuple[int, int, str]:
    """(uid, gid, name) to run mail as: Dovecot refuses uid 0, so root uses ``nobody``."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid, "root"
    me = pwd.getpwuid(os.geteuid())
    return me.pw_uid, me.pw_gid, me.pw_name


def _write_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost; returns (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def _config(directory: Path, port: int, tls_port: int, cert: Path, key: Path) -> str:
    uid, gid, runner = _mail_identity()
    unprivileged = ""
    if runner != "root":
        # Without root Dovecot cannot switch users or chroot its login processes.
        unprivileged = f"""
default_internal_user = {runner}
default_login_user = {runner}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
    return f"""
base_dir = {directory}/run
state_dir = {directory}/state
instance_name = dovecot-test-{port}
log_path = {directory}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests refuse passwords on purpose; no need to wait after that.
auth_failure_delay = 0
mail_fsync = never
mail_max_userip_connections = 100
first_valid_uid = {uid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={directory}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
# Nor to pay anvil's growing per-IP penalty for it on every later login of the session.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{unprivileged}
"""


def _wait_for_port(port: int, process: subprocess.Popen[bytes], directory: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {process.returncode}:\n{_logs(directory)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"dovecot did not listen on {port} within {START_TIMEOUT}s")


def _logs(directory: Path) -> str:
    texts = []
    for name in ("dovecot.log", "stderr.log"):
        path = directory / name
        if path.exists():
            texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def start_dovecot() -> Dovecot:
    """Start an instance; stop it with :func:`stop_dovecot`."""
    directory = Path(tempfile.mkdtemp(prefix=f"postroom-dovecot-{os.getpid()}-"))
    # mkdtemp makes 0700; Dovecot's mail processes (another uid) must traverse it.
    directory.chmod(0o755)
    uid, gid, _ = _mail_identity()
    mail = directory / "mail"
    mail.mkdir(mode=0o755)
    os.chown(mail, uid, gid)
    cert, key = _write_certificate(directory)
    (directory / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port, tls_port = _free_port(), _free_port()
    config = directory / "dovecot.conf"
    config.write_text(_config(directory, port, tls_port, cert, key))
    # -F keeps the master in the foreground as our child, so stopping it can wait for it.
    stderr = (directory / "stderr.log").open("wb")
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=stderr, stderr=subprocess.STDOUT
    )
    stderr.close()
    server = Dovecot(
        host="127.0.0.1",
        port=port,
        tls_port=tls_port,
        directory=directory,
        config=config,
        ca_file=cert,
        process=process,
    )
    try:
        _wait_for_port(port, process, directory)
        _wait_for_port(tls_port, process, directory)
    except Exception:
        stop_dovecot(server)
        raise
    return server


def stop_dovecot(server: Dovecot, *, remove: bool = True) -> None:
    """Stop the master by the pid in run/master.pid, wait for it to exit, remove the files."""
    process = server.process
    pid_file = server.directory / "run" / "master.pid"
    pid = int(pid_file.read_text().strip()) if pid_file.exists() else None
    if process is not None and process.poll() is None:
        if pid is not None and pid != process.pid:
            raise RuntimeError(f"master.pid says {pid}, but the process started is {process.pid}")
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)
    if remove:
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A running Dovecot for the whole session (skipped when it is not installed)."""
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI"):
            pytest.fail(f"{DOVECOT} is missing: run scripts/system-deps.sh")
        pytest.skip("Dovecot is not installed (make system-deps installs dovecot-imapd)")
    server = start_dovecot()
    try:
        yield server
    finally:
        stop_dovecot(server)
