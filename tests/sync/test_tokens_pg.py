"""The PostgreSQL token store: a TokenStore whose refresh lock all workers on all machines share."""

from __future__ import annotations

import threading
import time

import pytest

from paysupport.errors import TokenStoreError
from paysupport.sync.tokens_pg import PostgresTokenStore
from paysupport.tokens import Token, TokenStore, open_store


def test_it_is_a_token_store_chosen_by_a_postgresql_url(postgres_url: str) -> None:
    store = open_store(postgres_url)
    assert isinstance(store, PostgresTokenStore)
    assert isinstance(store, TokenStore)
    password = postgres_url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert password not in repr(store) and "***" in repr(store)  # no password in its name
    store.close()


def test_tokens_are_rows_keyed_by_provider_and_account(postgres_url: str) -> None:
    store = PostgresTokenStore(postgres_url)
    token = Token("access-1", "refresh-1", expires_at=123.0, scope=("campaigns",), extra={"v": 1})
    store.save("patreon", "7100000", token)
    store.save("patreon", "7100001", Token("access-2"))
    assert store.load("patreon", "7100000") == token
    assert store.load("github", "7100000") is None
    assert store.accounts("patreon") == ["7100000", "7100001"]
    store.save("patreon", "7100000", Token("access-3", "refresh-3"))
    assert store.load("patreon", "7100000") == Token("access-3", "refresh-3")
    store.delete("patreon", "7100000")
    assert store.accounts("patreon") == ["7100001"]
    store.close()


def test_the_refresh_lock_admits_one_holder_across_stores(postgres_url: str) -> None:
    """Two stores (as two machines would have) never hold an account's lock at once."""
    stores = [PostgresTokenStore(postgres_url) for _ in range(2)]
    holding: list[int] = []
    overlaps: list[int] = []

    def refresh(index: int) -> None:
        for _ in range(5):
            with stores[index].refresh_lock("patreon", "7100000"):
                holding.append(index)
                if len(holding) > 1:
                    overlaps.append(index)
                time.sleep(0.01)
                holding.remove(index)

    threads = [threading.Thread(target=refresh, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    with stores[0].refresh_lock("patreon", "7100000"):
        with stores[0].refresh_lock("patreon", "7100000"):  # re-entrant in one thread
            pass
        with stores[1].refresh_lock("patreon", "other"):  # other accounts are not held up
            pass
    for store in stores:
        store.close()


def test_a_lock_held_too_long_is_a_clear_error(postgres_url: str) -> None:
    holder = PostgresTokenStore(postgres_url)
    waiter = PostgresTokenStore(postgres_url, lock_timeout=0.3)
    with (
        holder.refresh_lock("patreon", "7100000"),
        pytest.raises(TokenStoreError, match="refresh lock"),
        waiter.refresh_lock("patreon", "7100000"),
    ):
        pass
    with waiter.refresh_lock("patreon", "7100000"):  # released with the block
        pass
    holder.close()
    waiter.close()
