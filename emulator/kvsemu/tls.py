"""--tls: a generated CA and a server certificate for 127.0.0.1, with the openssl CLI.

The CA certificate (``ca.pem``) is what clients verify against: pass it as
``AWS_CA_BUNDLE`` / ``--ca-bundle`` to the AWS CLI, ``verify=`` to boto3, or
``AWS_KVS_CACERT_PATH`` / curl's CA file to a producer.  Files are reused
when the folder already holds them, so a restart with the same --tls-dir
(or --data-dir) keeps the same CA.
"""
from __future__ import annotations

import os
import ssl
import subprocess
import tempfile
from typing import Tuple

CA_DAYS = "3650"
CERT_DAYS = "825"


def _openssl(*args: str, cwd: str) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise OSError(f"openssl {args[0]} failed: {proc.stderr.strip()}")


def ensure_certificates(folder: str, host: str) -> Tuple[str, str, str]:
    """Creates (if missing) ca.pem, server.pem and server.key in ``folder``."""
    os.makedirs(folder, exist_ok=True)
    ca, ca_key = os.path.join(folder, "ca.pem"), os.path.join(folder, "ca.key")
    cert, key = os.path.join(folder, "server.pem"), os.path.join(folder, "server.key")
    if all(os.path.exists(p) for p in (ca, cert, key)):
        return ca, cert, key
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *curve, "-keyout", ca_key, "-out", ca, "-days", CA_DAYS,
             "-subj", "/CN=kvslocal test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    san = f"subjectAltName=IP:{host},DNS:localhost" if host[0].isdigit() or ":" in host \
        else f"subjectAltName=DNS:{host},IP:127.0.0.1"
    _openssl("req", "-new", *curve, "-keyout", key, "-out", "server.csr",
             "-subj", f"/CN={host}", "-addext", san,
             "-addext", "extendedKeyUsage=serverAuth", cwd=folder)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", ca, "-CAkey", ca_key,
             "-CAcreateserial", "-days", CERT_DAYS, "-copy_extensions", "copy",
             "-out", cert, cwd=folder)
    for path in (ca_key, key):
        os.chmod(path, 0o600)
    return ca, cert, key


def make_server_context(config) -> Tuple[ssl.SSLContext, str]:
    """The server SSLContext and the CA file path for ``config`` (server.Config)."""
    folder = config.tls_dir or (os.path.join(config.data_dir, "tls") if config.data_dir
                                else tempfile.mkdtemp(prefix="kvslocal-tls-"))
    ca, cert, key = ensure_certificates(folder, config.host)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context, ca
