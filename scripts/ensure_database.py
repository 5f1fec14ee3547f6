"""Create the database named in DATABASE_URL when it does not exist yet."""

import os

import dj_database_url
import psycopg
from psycopg import sql


def ensure_database(url: str) -> None:
    """Create the database of ``url`` unless it exists (connecting to the 'postgres' database)."""
    cfg = dj_database_url.parse(url)
    params = {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": cfg["PORT"] or 5432,
        "user": cfg["USER"] or "postgres",
        "password": cfg["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
            print(f"Created database {cfg['NAME']}")


if __name__ == "__main__":
    ensure_database(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/collectief"))
