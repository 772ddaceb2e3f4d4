"""A real IMAP server for tests: Debian's dovecot on loopback, with its own config and maildir.

``mail_server()`` writes a throw-away dovecot.conf (no system config is read), a passwd-file with
one user, a small CA plus a server certificate for IMAPS, starts ``dovecot -F -c CONF`` and yields
a :class:`MailServer` with the ports and credentials and a ``deliver()`` helper that APPENDs a
message. The process is stopped and the directory removed afterwards.

Plain IMAP (with STARTTLS offered, cleartext login allowed) listens on ``port``; IMAPS on
``ssl_port``. Works with dovecot 2.3 (Debian 12) and 2.4 (Debian 13), as root (mail is then
owned by ``nobody``) or as an ordinary user (everything runs as that user).

If dovecot is not installed this raises — tests fail loudly rather than skip:
    apt-get install -y dovecot-imapd
"""

from __future__ import annotations

import datetime as dt
import grp
import imaplib
import ipaddress
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

INSTALL_HINT = (
    "dovecot is not installed, so the e-mail intake tests cannot run. Install it with "
    "`apt-get install -y dovecot-imapd` (scripts/test.sh does this)."
)
USER = "intake@kommun.test"
PASSWORD = "hemligt-test-losen"  # only ever on loopback, in a temp dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)),
        None,
    )
    if not found:
        raise RuntimeError(INSTALL_HINT)
    return found


def dovecot_version(binary: str) -> tuple[int, int]:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    match = re.match(r"(\d+)\.(\d+)", out.stdout.strip())
    if not match:
        raise RuntimeError(f"cannot read dovecot's version from {out.stdout!r}")
    return int(match[1]), int(match[2])


@dataclass
class MailServer:
    host: str
    port: int
    ssl_port: int
    user: str
    password: str
    ca_file: Path
    version: tuple[int, int]
    root: Path

    def connect(self, *, use_ssl: bool = False) -> imaplib.IMAP4:
        if use_ssl:
            context = ssl.create_default_context(cafile=str(self.ca_file))
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(self.host, self.ssl_port, ssl_context=context)
        else:
            conn = imaplib.IMAP4(self.host, self.port)
        if self.password.isascii():
            conn.login(self.user, self.password)
        else:  # LOGIN is ASCII-only in imaplib; SASL PLAIN carries UTF-8
            secret = f"\0{self.user}\0{self.password}".encode()
            conn.authenticate("PLAIN", lambda _: secret)
        return conn

    def deliver(
        self,
        raw: bytes,
        folder: str = "INBOX",
        flags: str = "",
        date: dt.datetime | None = None,
    ) -> None:
        """APPEND one message (bytes as they would arrive by SMTP) to ``folder``; ``date`` is the
        server's arrival time (INTERNALDATE), now if not given."""
        conn = self.connect()
        try:
            if folder != "INBOX":
                conn.create(folder)  # fails harmlessly if it exists
            flag_list = f"({flags})" if flags else None
            typ, data = conn.append(folder, flag_list, date, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
        finally:
            conn.logout()

    def uids(self, folder: str = "INBOX", criteria: str = "ALL") -> list[str]:
        conn = self.connect()
        try:
            typ, _ = conn.select(folder, readonly=True)
            if typ != "OK":
                return []
            _, data = conn.uid("SEARCH", criteria)
            return data[0].decode().split() if data and data[0] else []
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> list[set[str]]:
        """The flags of each message in ``folder``, in UID order."""
        conn = self.connect()
        try:
            conn.select(folder, readonly=True)
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            lines = [d for d in data if isinstance(d, bytes)] if typ == "OK" else []
            found = [re.search(rb"FLAGS \(([^)]*)\)", line) for line in lines]
            return [set(m[1].decode().split()) for m in found if m]
        finally:
            conn.logout()

    def folders(self) -> set[str]:
        """Every folder as LIST names it (quoted, modified UTF-7: ready for IMAP commands)."""
        conn = self.connect()
        try:
            _, data = conn.list()
            names = set()
            for line in data:
                text = line.decode() if isinstance(line, bytes) else str(line)
                match = re.match(r'\([^)]*\) (?:"[^"]*"|NIL) (.+)$', text)
                if match:
                    name = match[1]
                    names.add(name if name.startswith('"') else f'"{name}"')
            return names
        finally:
            conn.logout()

    def reset(self) -> None:
        """Empty INBOX and delete every other folder, so each test starts clean."""
        conn = self.connect()
        try:
            for name in self.folders() - {'"INBOX"'}:
                conn.delete(name)
            _, count = conn.select("INBOX")
            if count and count[0] and int(count[0]) > 0:
                conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                conn.expunge()
        finally:
            conn.logout()


# ---------------------------------------------------------------- certificates


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def write_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A one-day CA and a server certificate for localhost/127.0.0.1; returns (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Tillit test CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths[2].chmod(0o600)
    return paths


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not cert_sign,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# ---------------------------------------------------------------- configuration


@dataclass
class _Layout:
    root: Path
    port: int
    ssl_port: int
    cert: Path
    key: Path
    users_file: Path
    run_as: str  # the internal/login user dovecot's own processes use
    mail_uid: int
    mail_gid: int


def _common_config(layout: _Layout, privileged: bool) -> str:
    chroot = "" if privileged else "  chroot =\n"
    return f"""
base_dir = {layout.root}/run
state_dir = {layout.root}/state
listen = 127.0.0.1
protocols = imap
log_path = {layout.root}/dovecot.log
auth_mechanisms = plain login
default_internal_user = {layout.run_as}
{"" if privileged else f"default_internal_group = {grp.getgrgid(layout.mail_gid).gr_name}"}
default_login_user = {"dovenull" if privileged else layout.run_as}
first_valid_uid = {layout.mail_uid}
first_valid_gid = {layout.mail_gid}
ssl = yes
service imap-login {{
{chroot}  inet_listener imap {{
    port = {layout.port}
  }}
  inet_listener imaps {{
    port = {layout.ssl_port}
    ssl = yes
  }}
}}
service anvil {{
{chroot}}}
"""


def _config_23(layout: _Layout, privileged: bool) -> str:
    return (
        _common_config(layout, privileged)
        + f"""
ssl_cert = <{layout.cert}
ssl_key = <{layout.key}
disable_plaintext_auth = no
auth_failure_delay = 0
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {layout.users_file}
}}
userdb {{
  driver = passwd-file
  args = {layout.users_file}
}}
"""
    )


def _config_24(layout: _Layout, privileged: bool) -> str:
    head = "dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n"
    return (
        head
        + _common_config(layout, privileged)
        + f"""
ssl_server_cert_file = {layout.cert}
ssl_server_key_file = {layout.key}
auth_allow_cleartext = yes
mail_driver = maildir
mail_path = ~/Maildir
passdb passwd-file {{
  default_password_scheme = PLAIN
  passwd_file_path = {layout.users_file}
}}
userdb passwd-file {{
  passwd_file_path = {layout.users_file}
}}
"""
    )


def _identities() -> tuple[bool, str, int, int]:
    """(privileged, internal user, mail uid, mail gid). Root: dovecot's own users and nobody."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        with suppress(KeyError):
            pwd.getpwnam("dovenull")
            pwd.getpwnam("dovecot")
            return True, "dovecot", nobody.pw_uid, nobody.pw_gid
        raise RuntimeError("running as root but the dovecot/dovenull users are missing")
    me = pwd.getpwuid(os.geteuid())
    return False, me.pw_name, me.pw_uid, os.getegid()


def _prepare(root: Path, password: str) -> tuple[_Layout, bool]:
    privileged, run_as, uid, gid = _identities()
    root.chmod(0o755)  # the mail user must be able to reach its home
    _, cert, key = write_certificates(root)
    home = root / "home"
    home.mkdir()
    users = root / "users"
    users.write_text(f"{USER}:{{PLAIN}}{password}:{uid}:{gid}::{home}::\n", encoding="utf-8")
    users.chmod(0o644)
    (root / "state").mkdir()
    if privileged:
        os.chown(home, uid, gid)
    layout = _Layout(root, free_port(), free_port(), cert, key, users, run_as, uid, gid)
    return layout, privileged


def _wait_until_ready(process: subprocess.Popen, port: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {process.returncode}:\n{_tail(process, log)}")
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            if sock.recv(200).startswith(b"* OK"):
                return
        time.sleep(0.05)
    raise TimeoutError(f"dovecot did not answer on port {port}:\n{_tail(process, log)}")


def _tail(process: subprocess.Popen, log: Path) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    if process.stdout and process.poll() is not None:
        text += process.stdout.read() or ""
    return text[-4000:]


@contextmanager
def mail_server(password: str = PASSWORD, timeout: float = 20.0) -> Iterator[MailServer]:
    """Start dovecot on loopback; yields a MailServer; stops it and removes its files after."""
    binary = dovecot_binary()
    version = dovecot_version(binary)
    root = Path(tempfile.mkdtemp(prefix="tillit-dovecot-"))
    process: subprocess.Popen | None = None
    try:
        layout, privileged = _prepare(root, password)
        render = _config_24 if version >= (2, 4) else _config_23
        conf = root / "dovecot.conf"
        conf.write_text(render(layout, privileged), encoding="utf-8")
        process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        _wait_until_ready(process, layout.port, root / "dovecot.log", timeout)
        yield MailServer(
            "127.0.0.1",
            layout.port,
            layout.ssl_port,
            USER,
            password,
            root / "ca.pem",
            version,
            root,
        )
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(root, ignore_errors=True)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    if process.stdout:
        process.stdout.close()
