"""``keygen OUT.pem``: a key pair for signing WACZ packages (``wacz --sign OUT.pem``).

The private key (ECDSA P-384, the curve ReplayWeb.page verifies; PEM PKCS#8, unencrypted)
goes to a new file readable by its owner only, never inside the archive directory (a
package never holds it either); the public key is printed on stdout as
``signedData.publicKey`` holds it, for those who will verify the packages
(``verify --wacz FILE --public-key KEY``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.cli.common import CommandError
from archive.integrity.wacz_sign import generate_key, public_key_b64, write_private_key
from archive.layout import ArchiveLayout


def cmd_keygen(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    out = Path(args.output)
    where = out.parent.resolve()
    root = layout.root.resolve()
    if where == root or root in where.parents:
        raise CommandError(
            f"will not write a private key inside the archive directory {layout.root}: "
            "keep it elsewhere"
        )
    if not where.is_dir():
        raise CommandError(f"cannot write {out}: no directory {out.parent}")
    key = generate_key()
    try:
        write_private_key(key, out)
    except FileExistsError:
        raise CommandError(f"{out} exists: will not replace a key") from None
    print(public_key_b64(key))
    print(
        f"keygen: wrote the private key {out} (mode 0600); the public key is above", file=sys.stderr
    )
    return 0
