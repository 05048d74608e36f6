"""Interactive mode: a Python console with a ready :class:`IpernityClient`.

``python -m paysupport_ipernity`` and ``paysupport shell ipernity`` both end in the core's
:func:`paysupport.shell.interact`; this module adds the command-line options and a
``login()`` that waits for the person to approve (the core's generic one does not poll).
Options are passed to the client as explicit settings, so they win over the INI file, which
wins over the environment: the core's configuration chain does the rest.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from paysupport.errors import PaySupportError
from paysupport.shell import interact
from paysupport_ipernity.client import IpernityClient

__all__ = ["build_parser", "client_from_args", "main"]

EPILOG = """\
where the credentials come from, first found wins:
  1. these options (--api-key, --api-secret, --token);
  2. the [ipernity] section of the INI file: --config PATH, else $PAYSUPPORT_CONFIG,
     else config.ini in the platform config directory (~/.config/paysupport/ on Linux),
     with keys api_key, api_secret, auth_token;
  3. the environment: PAYSUPPORT_IPERNITY_API_KEY (..._API_SECRET, ..._AUTH_TOKEN), then
     IPERNITY_API_KEY, IPERNITY_API_SECRET, IPERNITY_API_TOKEN.
Without a token, the token store's (from an earlier login) is used.

in the console:
  client                     a ready IpernityClient
  client.call("test.echo", echo="hi")  or  client.user.get(user_id="superman")
  login()                    desktop login: prints the authorization link, opens a browser
                             where there is one, waits for your approval, stores the token
  client.walk_docs(), client.upload_file(path, title=...), client.check_token()

Options on a command line are visible to other local users (ps); prefer the INI file or
the environment for the secret.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m paysupport_ipernity",
        description="A Python console with a ready Ipernity client.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--api-key", metavar="KEY", help="application key (api_key)")
    parser.add_argument("--api-secret", metavar="SECRET", help="application secret (api_secret)")
    parser.add_argument("--token", metavar="TOKEN", help="a user's auth_token")
    parser.add_argument("--config", metavar="PATH", help="INI file with an [ipernity] section")
    parser.add_argument(
        "--base-url", metavar="URL", help="API root (default https://api.ipernity.com)"
    )
    parser.add_argument("--account", metavar="NAME", help="token store account (default: default)")
    parser.add_argument(
        "--token-store", metavar="SPEC", help="memory, json[:PATH], sqlite[:PATH] or keyring"
    )
    return parser


def client_from_args(args: argparse.Namespace) -> IpernityClient:
    """The client the options describe; options are explicit settings, so they win."""
    if args.config:
        # The core reads the INI file named by PAYSUPPORT_CONFIG; this process is ours.
        os.environ["PAYSUPPORT_CONFIG"] = args.config
    return IpernityClient(
        api_key=args.api_key,
        api_secret=args.api_secret,
        auth_token=args.token,
        base_url=args.base_url,
        account=args.account,
        token_store=args.token_store,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        client = client_from_args(args)
    except PaySupportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with client:
        interact(client, extra={"login": client.login})
    return 0
