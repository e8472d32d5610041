"""The signature receivers check: HMAC-SHA256 of f"{timestamp}.{body}" with the endpoint's secret."""

from crmcom.automations.signing import sign, verify

# Computed outside Python: printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec
KNOWN = "sha256=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032"
NOW = 1_700_000_000


def test_sign_matches_an_independently_computed_hmac():
    assert sign("whsec", NOW, '{"a":1}') == KNOWN
    assert sign("whsec", str(NOW), b'{"a":1}') == KNOWN


def test_verify_accepts_the_right_signature_only():
    body = b'{"a":1}'

    assert verify("whsec", NOW, body, KNOWN, now=NOW + 10)
    assert not verify("other", NOW, body, KNOWN, now=NOW)
    assert not verify("whsec", NOW, b'{"a":2}', KNOWN, now=NOW)
    assert not verify("whsec", NOW + 1, body, KNOWN, now=NOW)
    assert not verify("whsec", NOW, body, KNOWN.upper(), now=NOW)
    assert not verify("whsec", NOW, body, "", now=NOW)
    assert not verify("whsec", "not-a-time", body, KNOWN, now=NOW)


def test_verify_refuses_replays_outside_the_tolerance():
    assert not verify("whsec", NOW, '{"a":1}', KNOWN, now=NOW + 301)
    assert verify("whsec", NOW, '{"a":1}', KNOWN, now=NOW + 299)
    assert verify("whsec", NOW, '{"a":1}', KNOWN, tolerance=None, now=NOW + 10**6)
