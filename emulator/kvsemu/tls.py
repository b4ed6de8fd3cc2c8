"""--tls: a generated CA and a server certificate for 127.0.0.1, with the openssl CLI.

With --iot the same CA also signs a device certificate for the IoT
credentials endpoint's mutual TLS (ensure_client_certificates), and a rogue
CA and client certificate are made for tests of refusals.

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
from typing import Dict, Tuple

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


def ensure_client_certificates(folder: str) -> Dict[str, str]:
    """Creates (if missing) the client certificates of the IoT endpoint in
    ``folder`` (which already holds ca.pem and ca.key):

    - ``device.pem`` / ``device.key``: a device certificate signed by the CA,
      the one the IoT credentials endpoint accepts;
    - ``rogue-ca.pem``: another self-signed CA, trusted by nobody (also a
      trust store that does not trust kvslocal's server certificate);
    - ``rogue.pem`` / ``rogue.key``: a client certificate signed by the rogue
      CA, refused by the IoT endpoint's TLS handshake.
    """
    paths = {name: os.path.join(folder, name) for name in (
        "device.pem", "device.key", "rogue-ca.pem", "rogue-ca.key", "rogue.pem", "rogue.key")}
    if all(os.path.exists(p) for p in paths.values()):
        return _client_paths(paths)
    ca, ca_key = os.path.join(folder, "ca.pem"), os.path.join(folder, "ca.key")
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *curve, "-keyout", paths["rogue-ca.key"],
             "-out", paths["rogue-ca.pem"], "-days", CA_DAYS, "-subj", "/CN=kvslocal rogue CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    for name, issuer, issuer_key in (("device", ca, ca_key),
                                     ("rogue", paths["rogue-ca.pem"], paths["rogue-ca.key"])):
        _openssl("req", "-new", *curve, "-keyout", paths[f"{name}.key"],
                 "-out", f"{name}.csr", "-subj", f"/CN=kvslocal {name} certificate",
                 "-addext", "extendedKeyUsage=clientAuth", cwd=folder)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", issuer, "-CAkey", issuer_key,
                 "-CAcreateserial", "-days", CERT_DAYS, "-copy_extensions", "copy",
                 "-out", paths[f"{name}.pem"], cwd=folder)
    for name in ("device.key", "rogue.key", "rogue-ca.key"):
        os.chmod(paths[name], 0o600)
    return _client_paths(paths)


def _client_paths(paths: Dict[str, str]) -> Dict[str, str]:
    return {"device_cert": paths["device.pem"], "device_key": paths["device.key"],
            "rogue_ca": paths["rogue-ca.pem"], "rogue_cert": paths["rogue.pem"],
            "rogue_key": paths["rogue.key"]}


def tls_folder(config) -> str:
    """--tls-dir, else DATA_DIR/tls, else a new temporary folder (once per run)."""
    if config.resolved_tls_dir is None:
        config.resolved_tls_dir = config.tls_dir or (
            os.path.join(config.data_dir, "tls") if config.data_dir
            else tempfile.mkdtemp(prefix="kvslocal-tls-"))
    return config.resolved_tls_dir


def make_server_context(config) -> Tuple[ssl.SSLContext, str]:
    """The server SSLContext and the CA file path for ``config`` (server.Config)."""
    ca, cert, key = ensure_certificates(tls_folder(config), config.host)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context, ca


def make_mtls_context(config) -> Tuple[ssl.SSLContext, str, Dict[str, str]]:
    """The IoT endpoint's SSLContext: the server certificate of
    make_server_context, and client certificates required and verified
    against the same CA.  Returns it with the CA path and the client files
    (ensure_client_certificates)."""
    context, ca = make_server_context(config)
    clients = ensure_client_certificates(tls_folder(config))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=ca)
    return context, ca, clients
