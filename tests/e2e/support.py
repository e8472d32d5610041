"""Helpers for the browser tests."""

PASSWORD = "a-long-pass-phrase"  # tests.factories.make_business's owner


def sign_in(page, url: str, username: str) -> None:
    """Open `url` (the login form, or a page that sends there) and sign in as `username`."""
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
