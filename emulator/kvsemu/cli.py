"""Command line of kvslocal.

Prints exactly one line to stdout when it is ready to serve:
``kvslocal listening on http://127.0.0.1:PORT`` (https with --tls).  All
logs go to stderr.  SIGTERM and SIGINT stop it promptly.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys
from typing import List, Optional

from aiohttp import web

from .credentials import DEFAULT_LIFETIME_S
from .iot import IotEndpoint, IotServer, IotSettings
from .metadata import MetadataEndpoints, MetadataSettings
from .putmedia import Limits
from .server import Config, Service, make_app
from .sigv4 import SKEW_ERRORS

log = logging.getLogger("kvslocal")


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    defaults = Config()
    limits = Limits()
    p = argparse.ArgumentParser(
        prog="kvslocal",
        description="A local Amazon Kinesis Video Streams service (control plane, PutMedia, "
                    "GetMedia, archived media) for development and tests.")
    p.add_argument("--host", default=defaults.host,
                   help="loopback address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=8080,
                   help="TCP port; 0 picks a free one (default %(default)s)")
    p.add_argument("--access-key", default=defaults.access_key,
                   help="access key id accepted (default: AWS's documentation example key "
                        "%(default)s)")
    p.add_argument("--secret-key", default=defaults.secret_key,
                   help="secret access key accepted (default: AWS's documentation example key)")
    p.add_argument("--session-token", default=None,
                   help="require this X-Amz-Security-Token on every request (temporary "
                        "credentials); by default any token is accepted")
    p.add_argument("--region", default=defaults.region, help="region (default %(default)s)")
    p.add_argument("--data-dir", default=None,
                   help="keep streams and fragments in this folder across restarts "
                        "(default: in memory)")
    p.add_argument("--discard", action="store_true",
                   help="validate PutMedia framing and send ACKs, but keep no media bytes")
    p.add_argument("--tls", action="store_true",
                   help="serve HTTPS with a generated CA and server certificate")
    p.add_argument("--tls-dir", default=None,
                   help="folder for the generated CA and certificate (default: DATA_DIR/tls "
                        "or a temporary folder)")
    p.add_argument("--max-clock-skew", type=float, default=None, metavar="SECONDS",
                   help="SigV4 X-Amz-Date tolerance in seconds (default 300 as observed on "
                        "KVS; 900 with --skew-error RequestExpired, as the guide says)")
    p.add_argument("--skew-error", choices=SKEW_ERRORS, default=defaults.skew_error,
                   help="answer to a request signed outside the window: KVS's observed 403 "
                        "InvalidSignatureException 'Signature expired' (default) or the "
                        "guide's 400 RequestExpired")
    p.add_argument("--create-delay", type=float, default=0.0, metavar="SECONDS",
                   help="time a new stream stays CREATING (default 0)")
    p.add_argument("--update-delay", type=float, default=0.0, metavar="SECONDS",
                   help="time an updated stream stays UPDATING (default 0)")
    p.add_argument("--delete-delay", type=float, default=0.0, metavar="SECONDS",
                   help="time a deleted stream stays DELETING before it is gone (default 0)")
    p.add_argument("--max-connection-duration", type=float,
                   default=limits.max_connection_duration_s, metavar="SECONDS",
                   help="PutMedia connection limit; then ERROR 4003 (default 2700 = 45 min)")
    p.add_argument("--max-fragment-bytes", type=int, default=limits.max_fragment_bytes,
                   metavar="BYTES", help="fragment size limit, ERROR 4001 (default 50 MiB)")
    p.add_argument("--max-fragment-duration", type=int,
                   default=limits.max_fragment_duration_ms, metavar="MS",
                   help="fragment duration limit in ms, ERROR 4002 (default %(default)s)")
    p.add_argument("--max-producer-future", type=int, default=limits.max_producer_future_ms,
                   metavar="MS",
                   help="how far producer timestamps may be ahead of the server clock, in "
                        "ms, before ERROR 4007 (default %(default)s)")
    p.add_argument("--idle-interval", type=float, default=limits.idle_interval_s,
                   metavar="SECONDS", help="IDLE ACK period without data (default %(default)s)")
    p.add_argument("--idle-timeout", type=float, default=limits.idle_timeout_s,
                   metavar="SECONDS",
                   help="close a PutMedia request after this long without data "
                        "(default %(default)s)")
    p.add_argument("--getmedia-idle", type=float, default=defaults.getmedia_idle_s,
                   metavar="SECONDS",
                   help="end a GetMedia response after this long without new fragments "
                        "(default %(default)s)")
    p.add_argument("--credential-lifetime", type=float, default=DEFAULT_LIFETIME_S,
                   metavar="SECONDS",
                   help="lifetime of the temporary credentials kvslocal issues (IoT, "
                        "container, IMDS, admin API); negative = already expired "
                        "(default %(default)s)")
    p.add_argument("--metadata-port", type=int, default=0,
                   help="plain-HTTP loopback port of the IMDSv2 and container-credentials "
                        "endpoints; 0 picks a free one (default)")
    p.add_argument("--imds-role", default=MetadataSettings.imds_role,
                   help="IAM role name the instance metadata reports (default %(default)s)")
    p.add_argument("--container-token", default=None,
                   help="Authorization value the container-credentials endpoint requires; "
                        "\"\" = none (default: a random token, see /_kvslocal/health)")
    p.add_argument("--iot", action="store_true",
                   help="serve the IoT credentials endpoint over mutual TLS on --iot-port, "
                        "with a generated CA and device certificate")
    p.add_argument("--iot-port", type=int, default=0,
                   help="HTTPS port of the IoT credentials endpoint; 0 picks a free one "
                        "(default)")
    p.add_argument("--iot-thing-name", action="append", default=[], metavar="NAME",
                   help="a thing attached to the device certificate (repeatable); other "
                        "thing names get 403 \"Invalid thing name passed\"")
    p.add_argument("--iot-role-alias", action="append", default=[], metavar="ALIAS",
                   help="a role alias that exists (repeatable; default kvslocal-role-alias)")
    p.add_argument("--log-level", default="INFO", help="stderr log level (default INFO)")
    args = p.parse_args(argv)
    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            p.error("--host must be a loopback address (127.0.0.0/8 or ::1)")
    except ValueError:
        if args.host != "localhost":
            p.error("--host must be a loopback address")
    return args


def _skew_window(args: argparse.Namespace) -> float:
    """--max-clock-skew, else 5 min (observed on KVS) or, with --skew-error
    RequestExpired, the guide's 15 min (guide L11655-11659)."""
    if args.max_clock_skew is not None:
        return args.max_clock_skew
    return 900.0 if args.skew_error == "RequestExpired" else 300.0


async def serve(args: argparse.Namespace) -> None:
    config = Config(host=args.host, port=args.port, access_key=args.access_key,
                    secret_key=args.secret_key, session_token=args.session_token,
                    region=args.region, data_dir=args.data_dir,
                    discard=args.discard, max_clock_skew_s=_skew_window(args),
                    skew_error=args.skew_error,
                    create_delay_s=args.create_delay, update_delay_s=args.update_delay,
                    delete_delay_s=args.delete_delay, getmedia_idle_s=args.getmedia_idle,
                    tls=args.tls, tls_dir=args.tls_dir,
                    credential_lifetime_s=args.credential_lifetime)
    limits = Limits(max_fragment_bytes=args.max_fragment_bytes,
                    max_fragment_duration_ms=args.max_fragment_duration,
                    max_connection_duration_s=args.max_connection_duration,
                    max_producer_future_ms=args.max_producer_future,
                    idle_interval_s=args.idle_interval, idle_timeout_s=args.idle_timeout)
    service = Service(config, limits)
    ssl_context = None
    if config.tls or args.iot:
        from .tls import ensure_client_certificates, make_server_context, tls_folder
        server_context, ca_file = make_server_context(config)
        if config.tls:
            ssl_context = server_context
        service.tls_files = {"ca_file": ca_file, **ensure_client_certificates(tls_folder(config))}
        service.ca_file = ca_file
        log.info("TLS CA certificate: %s", ca_file)
        print(f"kvslocal CA file: {ca_file}", file=sys.stderr, flush=True)
    app = make_app(service)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, ssl_context=ssl_context,
                       shutdown_timeout=0.5, reuse_address=True)
    await site.start()
    server = site._server  # the asyncio Server, for the bound port
    service.port = server.sockets[0].getsockname()[1]
    listener = {"server": server}
    runners = [runner]
    runners.append(await _start_metadata(service, args))
    if args.iot:
        runners.append(await _start_iot(service, args))

    async def refuse(seconds: float) -> None:
        """Stops listening for ``seconds`` (refuse_connections fault with stream "*"):
        new connections are refused, open ones go on."""
        listener["server"].close()
        log.info("refusing connections for %.1f s", seconds)

        async def reopen() -> None:
            await asyncio.sleep(seconds)
            listener["server"] = await asyncio.get_running_loop().create_server(
                runner.server, config.host, service.port, ssl=ssl_context, reuse_address=True)
            log.info("accepting connections again")
        asyncio.ensure_future(reopen())
    service.refusal_hook = refuse

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"kvslocal listening on {service.base_url()}", flush=True)
    log.info("kvslocal ready: %s (region %s, access key %s%s%s)", service.base_url(),
             config.region, config.access_key,
             f", data dir {config.data_dir}" if config.data_dir else "",
             ", discard mode" if config.discard else "")
    await stop.wait()
    log.info("stopping")
    listener["server"].close()
    for each in runners:
        await each.cleanup()


async def _listen(app: web.Application, host: str, port: int, ssl_context=None):
    """Starts ``app`` on host:port; returns (runner, bound port)."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context, shutdown_timeout=0.5,
                       reuse_address=True)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


async def _start_metadata(service: Service, args: argparse.Namespace) -> web.AppRunner:
    """The IMDSv2 and container-credentials listener (metadata.py), plain HTTP."""
    settings = MetadataSettings(imds_role=args.imds_role)
    if args.container_token is not None:
        settings.container_token = args.container_token
    endpoints = MetadataEndpoints(service, settings)
    runner, port = await _listen(endpoints.app(), service.config.host, args.metadata_port)
    service.metadata_settings = settings
    service.metadata_url = f"http://{_url_host(service.config.host)}:{port}"
    print(f"kvslocal metadata endpoint: {service.metadata_url}", file=sys.stderr, flush=True)
    return runner


async def _start_iot(service: Service, args: argparse.Namespace) -> IotServer:
    """The IoT credentials listener (iot.py), HTTPS with client certificates."""
    from .tls import make_mtls_context
    context, _, _ = make_mtls_context(service.config)
    settings = IotSettings(thing_names=list(args.iot_thing_name),
                           role_aliases=list(args.iot_role_alias) or ["kvslocal-role-alias"])
    server = IotServer((service.config.host, args.iot_port), context,
                       IotEndpoint(service, settings), asyncio.get_running_loop())
    server.start()
    service.iot_settings = settings
    service.iot_url = f"https://{_url_host(service.config.host)}:{server.port}"
    print(f"kvslocal IoT credentials endpoint: {service.iot_url}", file=sys.stderr, flush=True)
    return server


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, args.log_level.upper(), 20),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        asyncio.run(serve(args))
    except OSError as exc:
        log.error("cannot start: %s", exc)
        return 1
    return 0
