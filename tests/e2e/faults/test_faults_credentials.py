"""Issue 5: credentials expiring mid-stream.

kvslocal's IoT credentials endpoint hands out credentials that live 4 s
(each fetch issues new ones), so a stream of a few seconds outlives several
of them. kvssink must rotate its PutMedia session before the credentials
that signed it expire, with fresh ones, at fragment boundaries: kvslocal
refuses nothing (no ExpiredTokenException), and the ledger shows every
fragment persisted once.
"""
from faultkit import Producer, assert_ledger, live_source, record

STREAM = "expiring"
LIFETIME_S = 4
SOURCE = live_source(bitrate_kbps=400).replace("pattern=ball",
                                               "pattern=snow")


def iot_certificate(iot: dict) -> str:
    fields = {"endpoint": iot["endpoint"], "cert-path": iot["device_cert"],
              "key-path": iot["device_key"], "ca-path": iot["ca_file"],
              "role-aliases": iot["role_aliases"][0]}
    return "iot-certificate," + ",".join(f"{k}={v}"
                                         for k, v in fields.items())


def used_credentials(kvs) -> list:
    return [c for c in kvs.credentials()["credentials"]
            if c["source"] == "iot" and c["requests"]]


def test_credentials_expiring_mid_stream(kvs_factory):
    kvs = kvs_factory("--iot", "--iot-thing-name", STREAM,
                      "--credential-lifetime", str(LIFETIME_S))
    producer = Producer(kvs, STREAM, source=SOURCE, static_credentials=False,
                        iot_certificate=iot_certificate(kvs.iot())).start()
    # Three credentials signed requests: the stream outlived two of them.
    producer.wait_for(lambda: len(used_credentials(kvs)) >= 3,
                      "three successive credentials in use")
    producer.wait_acks("PERSISTED", len(producer.acks("PERSISTED")) + 1)
    stats = producer.finish()

    ledger = producer.ledger()
    used = used_credentials(kvs)
    record("credentials-expiring", ledger, sessions=stats["sessions"],
           credentials=len(used))
    assert kvs.credentials()["rejections"] == []
    for credential in used:
        # Never used once expired: rotated in time, every time.
        assert credential["last_used_ms"] < credential["expiration_ms"], \
            credential
    # Each credential change moved PutMedia to a new session, without a
    # failure: a rotation, not a reconnect.
    assert stats["sessions"] >= 3 and stats["reconnects"] == 0, stats
    assert {f["session"] for f in ledger.persisted} >= {1, 2, 3}
    assert_ledger(ledger)
