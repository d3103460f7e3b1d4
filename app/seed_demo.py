"""`python -m app.seed_demo [--email E]`: an opt-in demo account with a few tasks.

The password comes from `DEMO_PASSWORD`, or is generated and printed once. Nothing
is hard-coded, and nothing runs unless someone runs this command.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from datetime import timedelta

from sqlalchemy import select

from app.auth.passwords import hash_password
from app.db import Database, utcnow
from app.models import Account, Task
from app.settings import load_settings_or_exit

SAMPLE_TASKS = ("Try the export job", "Start an echo job", "Open the Temporal UI")


def seed(database: Database, email: str, password: str) -> bool:
    """Create the account and its tasks; False when the account already exists."""
    with database.session() as session:
        if session.scalar(select(Account).where(Account.email == email)) is not None:
            return False
        account = Account(email=email, password_hash=hash_password(password))
        session.add(account)
        session.flush()
        for offset, title in enumerate(SAMPLE_TASKS):
            session.add(
                Task(owner_id=account.id, title=title, due_at=utcnow() + timedelta(days=offset))
            )
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--email", default="demo@example.com")
    args = parser.parse_args(argv)
    settings = load_settings_or_exit()
    given = os.environ.get("DEMO_PASSWORD")
    if given is not None and len(given) < 8:
        print("DEMO_PASSWORD: must be at least 8 characters", file=sys.stderr)
        return 2
    password = given or secrets.token_urlsafe(12)
    database = Database(settings)
    try:
        created = seed(database, args.email.strip().lower(), password)
    finally:
        database.dispose()
    if not created:
        print(f"{args.email} already exists; nothing changed")
        return 0
    print(f"created {args.email}")
    if given is None:
        print(f"password (shown once): {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
