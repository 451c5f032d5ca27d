"""Load benchmark over real HTTP: the production stack on 127.0.0.1, eight scenarios, one table.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/run.py [--quick] [--rounds 3] [--scenarios hello,flash-sale,...]
                                  [--worker-class gthread|sync] [--workers 4] [--threads 8]
                                  [--profile hot-checkout]

What it does, all on 127.0.0.1 and all its own:

1. a fresh PostgreSQL database (``--database``, default ``sf_bench``: dropped and created
   again, then ``flask db upgrade``) and an emptied Redis database (``--redis-db``, default 11);
2. gunicorn (``wsgi:app``) with the README's recommendation (4 gthread workers × 8 threads)
   unless told otherwise, an RQ worker (``flask exports worker``), ``RATELIMIT_ENABLED=false``;
3. a warm-up (every route once per worker thread, a few orders), so that no scenario pays
   for imports, first connections or SQLAlchemy's statement cache;
4. ``--rounds`` times (3 by default), every scenario in turn: its shoppers, API tokens,
   products and coupon written straight into the database *before* the clock starts; then
   every request released at once to a pool of ``--connections`` keep-alive connections
   (aiohttp), each request timed from send to last byte; then the final state read back
   and ``flask audit``'s checks run;
5. one table: requests/s (the median round, and every round), p50/p95/p99 and outcomes of
   the median round, false rejections (refused while stock or coupons remained, from the
   final state), the audit, CPU per request by process; and the ratios the issue asks for,
   each taken within a round and reported as the median over rounds with its range. This
   machine is a shared VM whose speed drifts by up to 2× from minute to minute
   (``../shared/perf-anchors.md``); a ratio of two scenarios run seconds apart, repeated,
   is what stays put. Exit 1 when an outcome target is missed or an audit fails.

``--profile SCENARIO`` also samples every gunicorn worker with py-spy during that scenario and
prints where the time went (own time per function, and time inside the main phases).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent

import aiohttp
import psycopg
from sqlalchemy import func, insert, select

from app import create_app
from app.accounts.models import ApiToken, User
from app.accounts.services import _token_digest, remember_token
from app.audit.services import run_audit
from app.catalog.models import Category, Product, ProductImage, StockMovement
from app.coupons.models import Coupon, UserCoupon
from app.db import utcnow
from app.exports.models import ExportEvent
from app.extensions import db
from app.wallet.models import LedgerEntry, Wallet

SCENARIOS = ("hello", "browse", "best-sellers", "flash-sale", "hot-checkout",
             "checkout-spread", "coupon-rush", "wallet-storm")
RATIOS = (("hot-checkout", "checkout-spread", 0.7), ("checkout-spread", "hello", 0.2),
          ("coupon-rush", "hello", 0.4), ("best-sellers", "hello", 0.8),
          # Issue 16: lists with categories, sorts and searches no slower than before them.
          ("browse", "hello", 0.2))
SHOPPER_BALANCE = 1_000_000
PRICE = 1_000
# What the browse scenario's products are called, so its two-word searches find some.
BROWSE_WORDS = ("mug", "lamp", "bowl", "tote", "kettle")


@dataclass
class Sizes:
    reads: int = 3_000          # hello, browse, best-sellers
    shoppers: int = 1_000       # flash-sale, hot-checkout, checkout-spread
    flash_stock: int = 100
    rush_shoppers: int = 2_000
    rush_quantity: int = 100
    topups: int = 1_000
    wallets: int = 10

    @classmethod
    def quick(cls) -> Sizes:
        return cls(reads=500, shoppers=200, flash_stock=20, rush_shoppers=400,
                   rush_quantity=20, topups=200, wallets=10)


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    outcomes: collections.Counter
    false_rejections: int = 0
    audit: str = "-"
    problems: list[str] = field(default_factory=list)
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU per request, by component
    drain_seconds: float = 0.0  # until the RQ worker had delivered every export event

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


# --- the stack --------------------------------------------------------------------------


class Stack:
    """PostgreSQL database, Redis db, gunicorn and an RQ worker, started and stopped here."""

    def __init__(self, args):
        self.args = args
        self.url = f"http://127.0.0.1:{args.port}"
        self.database_url = f"postgresql://postgres@127.0.0.1/{args.database}"
        self.redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
        self.logs = Path(tempfile.mkdtemp(prefix="sf-bench-"))
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "RATELIMIT_ENABLED": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
            "RQ_QUEUE_NAME": "storefront-bench",
            # One connection per thread, none waiting: the pool never queues a request.
            "DB_POOL_SIZE": str(max(args.threads, 1) if args.worker_class == "gthread" else 1),
            "DB_MAX_OVERFLOW": "2",
        }

    def reset_database(self) -> None:
        with psycopg.connect("postgresql://postgres@127.0.0.1/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{self.args.database}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{self.args.database}"')
        subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                       env=self.env, check=True, capture_output=True)
        subprocess.run(["redis-cli", "-n", str(self.args.redis_db), "flushdb"], check=True,
                       capture_output=True)

    def _spawn(self, name: str, command: list[str], env: dict | None = None
               ) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(command, cwd=ROOT, env={**self.env, **(env or {})},
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def start(self) -> None:
        a = self.args
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", a.port)) == 0:
                raise SystemExit(f"127.0.0.1:{a.port} is taken: a server from another run?")
        command = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{a.port}",
                   "--workers", str(a.workers), "--worker-class", a.worker_class,
                   "--backlog", "4096", "--log-level", "warning"]
        if a.access_log:  # off by default, as in the README's command
            command += ["--access-logfile", "-"]
        if a.worker_class == "gthread":
            command += ["--threads", str(a.threads)]
        # As docs/DEPLOY.md runs it: the workers' metrics in files a scrape sums.
        self.gunicorn = self._spawn("gunicorn", command + ["wsgi:app"], env={
            "PROMETHEUS_MULTIPROC_DIR": str(self.logs / "metrics")})
        self._spawn("rq-worker", [str(VENV_BIN / "flask"), "--app", "wsgi", "exports", "worker"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer on {self.url}; see {self.logs}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.gunicorn.pid)], capture_output=True,
                             text=True, check=False).stdout
        return [int(pid) for pid in out.split()]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far: gunicorn workers, the RQ worker (with its job children), the whole
        machine, and this process (the load generator)."""
        tick = os.sysconf("SC_CLK_TCK")

        def process(pid: int, children: bool = False) -> float:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                return 0.0
            used = int(fields[11]) + int(fields[12])
            if children:
                used += int(fields[13]) + int(fields[14])
            return used / tick

        machine = sum(int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:])
        idle = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]][3:5]
        usage = os.times()
        return {"app": sum(process(pid) for pid in self.worker_pids()),
                "rq": process(self.processes[1].pid, children=True),
                "total": (machine - sum(idle)) / tick,
                "client": usage.user + usage.system}

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


# --- data, written before the clock starts ----------------------------------------------


class Data:
    """Shoppers, tokens, products and coupons straight into the database (not timed)."""

    def __init__(self, stack: Stack):
        os.environ.update({k: stack.env[k] for k in ("DATABASE_URL", "REDIS_URL",
                                                     "RATELIMIT_ENABLED", "SECRET_KEY")})
        self.app = create_app()
        self.seq = 0

    def shoppers(self, n: int, balance: int = SHOPPER_BALANCE) -> list[tuple[int, str]]:
        """``n`` shoppers with ``balance`` points (a ``charge`` ledger row each) and a token."""
        now = utcnow()
        start, self.seq = self.seq, self.seq + n
        tokens = [secrets.token_urlsafe(32) for _ in range(n)]
        with self.app.app_context():
            session = db.session
            ids = session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
                {"email": f"bench{start + i}@example.com", "name": f"Bench {start + i}",
                 # Nobody logs in as a bench shopper: they use API tokens.
                 "password_hash": "!", "is_admin": False, "created_at": now}
                for i in range(n)]).all()
            session.execute(insert(Wallet), [{"user_id": i, "balance": balance, "version": 1}
                                             for i in ids])
            if balance:
                session.execute(insert(LedgerEntry), [
                    {"user_id": i, "kind": "charge", "amount": balance, "balance_after": balance,
                     "created_at": now} for i in ids])
            digests = [_token_digest(t) for t in tokens]
            session.execute(insert(ApiToken), [
                {"user_id": i, "token_hash": d, "created_at": now} for i, d in zip(ids, digests)])
            session.commit()
            # As issue_token does when a shopper logs in (shoppers log in before a rush).
            for user_id, digest in zip(ids, digests):
                remember_token(digest, user_id)
        return list(zip(ids, tokens))

    def products(self, n: int, stock: int, category_ids: list[int] | None = None
                 ) -> list[int]:
        """``n`` products; with ``category_ids``, spread over them, each named after one of
        BROWSE_WORDS with one drawn picture's rows (no files: pages only link them), and
        prices from 1,000 to 50,000 won, as the browse scenario's lists need."""
        now = utcnow()
        with self.app.app_context():
            session = db.session
            rows = [{"name": f"Bench product {self.seq}-{i}", "description": "A bench product.",
                     "price": PRICE, "stock": stock, "is_active": True, "created_at": now,
                     "version": 1} for i in range(n)]
            for i, row in enumerate(rows if category_ids else []):
                word = BROWSE_WORDS[i % len(BROWSE_WORDS)]
                row.update(name=f"Bench {word} {self.seq}-{i}", name_en=f"Bench {word} {i}",
                           price=1_000 * (1 + i * 7 % 50), image_count=1,
                           category_id=category_ids[i % len(category_ids)])
            ids = session.scalars(
                insert(Product).returning(Product.id, sort_by_parameter_order=True),
                rows).all()
            self.seq += 1
            session.execute(insert(StockMovement), [
                {"product_id": i, "delta": stock, "kind": "initial", "reason": "bench",
                 "created_at": now} for i in ids])
            if category_ids:
                session.execute(insert(ProductImage), [
                    {"product_id": i, "position": 0, "digest": f"{i:064x}", "alt": "",
                     "sizes": [[320, 320], [640, 640], [1280, 1280]], "created_at": now}
                    for i in ids])
            session.commit()
        return list(ids)

    def shelves(self) -> tuple[list[str], list[int]]:
        """Two top categories of two subcategories each, written once: the slugs of all six
        and the ids of the four subcategories (where products go)."""
        with self.app.app_context():
            session = db.session
            existing = session.scalars(select(Category.slug).order_by(Category.id)).all()
            if not existing:
                for top in ("kitchen", "home"):
                    parent = session.scalar(insert(Category).returning(Category.id), {
                        "name": top, "name_en": top, "slug": top, "position": 0,
                        "is_visible": True, "created_at": utcnow()})
                    session.execute(insert(Category), [
                        {"name": f"{top} {n}", "name_en": f"{top} {n}", "slug": f"{top}-{n}",
                         "position": n, "is_visible": True, "created_at": utcnow(),
                         "parent_id": parent} for n in (1, 2)])
                session.commit()
            slugs = session.scalars(select(Category.slug).order_by(Category.id)).all()
            subs = session.scalars(select(Category.id).where(Category.parent_id.is_not(None))
                                   .order_by(Category.id)).all()
            db.session.remove()
        return list(slugs), list(subs)

    def coupon(self, quantity: int) -> int:
        now = utcnow()
        with self.app.app_context():
            coupon = Coupon(name="Bench rush", discount_type="fixed", discount_value=500,
                            min_order_amount=0, quantity=quantity, remaining=quantity,
                            starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=1),
                            valid_days=7, status="active")
            db.session.add(coupon)
            db.session.commit()
            return coupon.id

    def scalar(self, statement):
        with self.app.app_context():
            try:
                return db.session.scalar(statement)
            finally:
                db.session.remove()

    def wait_for_exports(self, stall: float = 15) -> float:
        """Seconds until no export event is pending (the RQ worker caught up), giving up
        when the count stops falling for ``stall`` seconds."""
        started = last_change = time.monotonic()
        query = select(func.count()).select_from(ExportEvent).where(
            ExportEvent.status == "pending")
        pending = self.scalar(query)
        while pending and time.monotonic() - last_change < stall:
            time.sleep(0.2)
            now_pending = self.scalar(query)
            if now_pending != pending:
                pending, last_change = now_pending, time.monotonic()
        return time.monotonic() - started

    def audit(self) -> str:
        with self.app.app_context():
            try:
                findings = run_audit()
            finally:
                db.session.remove()
        return "clean" if not findings else "FAIL " + ",".join(f.check.name for f in findings)


# --- the load generator -----------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    token: str | None = None
    body: dict | None = None


async def _fire(url: str, calls: list[Call], connections: int):
    """Every call released at once onto ``connections`` keep-alive connections."""
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=300)
    latencies: list[float] = []
    outcomes: collections.Counter = collections.Counter()
    queue: asyncio.Queue = asyncio.Queue()
    for call in calls:
        queue.put_nowait(call)

    async def client(session):
        while True:
            try:
                call = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
            started = time.perf_counter()
            try:
                async with session.request(call.method, url + call.path, json=call.body,
                                           headers=headers) as response:
                    body = await response.read()
                    status = response.status
            except aiohttp.ClientError as exc:
                outcomes[f"error {type(exc).__name__}"] += 1
                continue
            latencies.append(time.perf_counter() - started)
            code = ""
            if status >= 400 and response.content_type == "application/problem+json":
                code = " " + json.loads(body).get("code", "?")
            outcomes[f"{status}{code}"] += 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # Open the connections before the clock starts, as a warm server would have them.
        async def warm():
            async with session.get(url + "/healthz") as response:
                await response.read()

        await asyncio.gather(*(warm() for _ in range(connections)))
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, outcomes


def fire(stack: Stack, name: str, calls: list[Call]) -> Result:
    before = stack.cpu_seconds()
    elapsed, latencies, outcomes = asyncio.run(_fire(stack.url, calls, stack.args.connections))
    after = stack.cpu_seconds()
    used = {k: (after[k] - before[k]) * 1000 / len(calls) for k in before}
    # Everything else on the machine: PostgreSQL and Redis, mostly (and any neighbour).
    used["db+other"] = used.pop("total") - used["app"] - used["rq"] - used["client"]
    return Result(name, len(calls), elapsed, latencies, outcomes, cpu_ms=used)


# --- scenarios --------------------------------------------------------------------------


def order_call(token: str, product_id: int) -> Call:
    return Call("POST", "/api/v1/orders", token,
                {"items": [{"product_id": product_id, "quantity": 1}]})


def check(result: Result, expected: dict[str, int]) -> None:
    if dict(result.outcomes) != expected:
        result.problems.append(f"outcomes {dict(result.outcomes)} != {expected}")


def scenario_hello(stack, data, sizes):
    result = fire(stack, "hello", [Call("GET", "/healthz")] * sizes.reads)
    check(result, {"200": sizes.reads})
    return result


def browse_lists(slugs: list[str]) -> list[str]:
    """The product lists a shopper opens: every product, category pages and two-word
    searches, in each sort, with a price range or "in stock only" now and then."""
    top, sub = slugs[0], slugs[2]
    return ["/products?page=1", "/products?page=2", f"/categories/{top}",
            f"/categories/{sub}?sort=price_asc", f"/categories/{top}?sort=newest&page=2",
            f"/categories/{sub}?sort=price_desc&in_stock=1", "/products?q=bench+mug",
            "/products?q=mug+bench&sort=price_asc&min_price=5000&max_price=30000",
            "/products?q=bench+lamp&sort=newest&in_stock=1", f"/categories/{top}?max_price=20000"]


def scenario_browse(stack, data, sizes):
    """A third product lists (browse_lists), two thirds product pages."""
    slugs, shelves = data.shelves()
    ids = data.products(50, stock=1_000, category_ids=shelves)
    lists = browse_lists(slugs)
    calls = [Call("GET", lists[i // 3 % len(lists)]) if i % 3 == 0
             else Call("GET", f"/products/{ids[i % len(ids)]}") for i in range(sizes.reads)]
    result = fire(stack, "browse", calls)
    check(result, {"200": sizes.reads})
    return result


def scenario_best_sellers(stack, data, sizes):
    result = fire(stack, "best-sellers", [Call("GET", "/api/v1/products/best-sellers")]
                  * sizes.reads)
    check(result, {"200": sizes.reads})
    return result


def _checkout(stack, name: str, shoppers, product_for, stock_left) -> Result:
    """Each shopper buys one unit; refusals while stock remained are false rejections."""
    result = fire(stack, name, [order_call(token, product_for(i))
                                for i, (_, token) in enumerate(shoppers)])
    result.false_rejections = min(result.requests - result.outcomes["201"], stock_left())
    return result


def scenario_flash_sale(stack, data, sizes):
    (product,) = data.products(1, stock=sizes.flash_stock)
    shoppers = data.shoppers(sizes.shoppers)
    result = _checkout(stack, "flash-sale", shoppers, lambda i: product,
                       lambda: data.scalar(select(Product.stock).where(Product.id == product)))
    check(result, {"201": sizes.flash_stock,
                   "409 out_of_stock": sizes.shoppers - sizes.flash_stock})
    return result


def scenario_hot_checkout(stack, data, sizes):
    (product,) = data.products(1, stock=1_000_000)
    shoppers = data.shoppers(sizes.shoppers)
    result = _checkout(stack, "hot-checkout", shoppers, lambda i: product,
                       lambda: data.scalar(select(Product.stock).where(Product.id == product)))
    check(result, {"201": sizes.shoppers})
    return result


def scenario_checkout_spread(stack, data, sizes):
    products = data.products(sizes.shoppers, stock=1_000)
    shoppers = data.shoppers(sizes.shoppers)
    result = _checkout(stack, "checkout-spread", shoppers, lambda i: products[i],
                       lambda: data.scalar(select(func.sum(Product.stock))
                                           .where(Product.id.in_(products))))
    check(result, {"201": sizes.shoppers})
    return result


def scenario_coupon_rush(stack, data, sizes):
    coupon = data.coupon(sizes.rush_quantity)
    shoppers = data.shoppers(sizes.rush_shoppers, balance=0)
    result = fire(stack, "coupon-rush", [Call("POST", f"/api/v1/coupons/{coupon}/claims", token)
                                         for _, token in shoppers])
    remaining = data.scalar(select(Coupon.remaining).where(Coupon.id == coupon))
    issued = data.scalar(select(func.count()).select_from(UserCoupon)
                         .where(UserCoupon.coupon_id == coupon))
    result.false_rejections = min(result.requests - result.outcomes["201"], remaining)
    check(result, {"201": sizes.rush_quantity,
                   "409 coupon_sold_out": sizes.rush_shoppers - sizes.rush_quantity})
    if issued != sizes.rush_quantity:
        result.problems.append(f"{issued} coupons issued, not {sizes.rush_quantity}")
    return result


def scenario_wallet_storm(stack, data, sizes):
    wallets = data.shoppers(sizes.wallets, balance=0)
    amount = 1_000
    calls = [Call("POST", "/api/v1/wallet/charges", wallets[i % sizes.wallets][1],
                  {"amount": amount}) for i in range(sizes.topups)]
    result = fire(stack, "wallet-storm", calls)
    check(result, {"201": sizes.topups})
    per_wallet = sizes.topups // sizes.wallets * amount
    for user_id, _ in wallets:
        balance = data.scalar(select(Wallet.balance).where(Wallet.user_id == user_id))
        if balance != per_wallet:
            result.problems.append(f"wallet {user_id}: {balance:,} != {per_wallet:,}")
    return result


RUNNERS = {
    "hello": scenario_hello, "browse": scenario_browse, "best-sellers": scenario_best_sellers,
    "flash-sale": scenario_flash_sale, "hot-checkout": scenario_hot_checkout,
    "checkout-spread": scenario_checkout_spread, "coupon-rush": scenario_coupon_rush,
    "wallet-storm": scenario_wallet_storm,
}


# --- profiling --------------------------------------------------------------------------


PHASES = {  # a frame name → the phase it stands for (the innermost match wins)
    "user_id_for_token": "token lookup", "place_order": "place_order (all)",
    "change_stock": "stock UPDATE (hot row)", "change_balance": "wallet UPDATE",
    "record_units": "daily sales upsert", "record_order_event": "export event",
    "_write_order": "the write (one statement on PostgreSQL)",
    "commit": "COMMIT", "balance_after": "balance_after read",
    "order_json": "response JSON", "_place": "_place",
}


def start_profile(stack: Stack, out: Path) -> list[subprocess.Popen]:
    py_spy = shutil.which("py-spy", path=str(VENV_BIN)) or shutil.which("py-spy")
    if not py_spy:
        raise SystemExit("--profile needs py-spy: pip install -e '.[bench]'")
    return [subprocess.Popen([py_spy, "record", "--pid", str(pid), "--rate", "200",
                              "--format", "raw", "--output", str(out / f"{pid}.txt"),
                              "--nonblocking", "--gil"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for pid in stack.worker_pids()]


def stop_profile(recorders: list[subprocess.Popen], out: Path, top: int = 25) -> str:
    for recorder in recorders:
        recorder.send_signal(signal.SIGINT)
    for recorder in recorders:
        recorder.wait(timeout=30)
    own: collections.Counter = collections.Counter()
    inside: collections.Counter = collections.Counter()
    total = idle = 0
    for path in out.glob("*.txt"):
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = stack.split(";")
            total += n
            leaf = frames[-1]
            if any(word in leaf for word in ("select", "poll", "wait (threading", "accept",
                                             "_wait_for_tstate_lock", "run_for_one")) \
                    and not any("request" in f or "handle" in f for f in frames[-6:-1]):
                idle += n
                continue
            own[leaf.split(" (")[0] + " (" + leaf.split(" (")[-1]] += n
            seen = set()
            for frame in frames:
                name = frame.split(" (")[0]
                if name in PHASES and name not in seen:
                    seen.add(name)
                    inside[PHASES[name]] += n
    busy = max(total - idle, 1)
    lines = [f"py-spy: {total:,} samples over {len(recorders)} workers, "
             f"{busy:,} not idle", "time inside (share of non-idle samples):"]
    lines += [f"  {share / busy:6.1%}  {name}" for name, share in inside.most_common()]
    lines.append(f"own time, top {top}:")
    lines += [f"  {n / busy:6.1%}  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


# --- report -----------------------------------------------------------------------------


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) // 1024 // 1024
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc",
                         "SHOW server_version"], capture_output=True, text=True,
                        check=False).stdout.strip()
    redis = subprocess.run(["redis-server", "--version"], capture_output=True,
                           text=True, check=False).stdout.split()[2:3]
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem} GiB, Linux {platform.release()}, "
            f"PostgreSQL {pg}, Redis {''.join(redis).removeprefix('v=')}, "
            f"Python {platform.python_version()}")


def median_round(rounds: list[Result]) -> Result:
    return sorted(rounds, key=lambda r: r.rate)[(len(rounds) - 1) // 2]


def table(results: dict[str, list[Result]]) -> str:
    rows = ["| scenario | requests | req/s (median; each round) | p50 ms | p95 ms | p99 ms | "
            "outcomes | false rejections | audit | CPU ms/request: app, rq, db+other, client |",
            "|---|---:|---:|---:|---:|---:|---|---:|---|---|"]
    for rounds in results.values():
        r = median_round(rounds)
        every = ", ".join(f"{each.rate:,.0f}" for each in rounds)
        outcomes = ", ".join(f"{n:,} × {k}" for k, n in sorted(r.outcomes.items()))
        cpu = ", ".join(f"{r.cpu_ms[k]:.1f}" for k in ("app", "rq", "db+other", "client"))
        audits = sorted({each.audit for each in rounds})
        rows.append(f"| {r.name} | {r.requests:,} | **{r.rate:,.0f}**; {every} | "
                    f"{r.percentile(50):.0f} | {r.percentile(95):.0f} | {r.percentile(99):.0f} | "
                    f"{outcomes} | {max(each.false_rejections for each in rounds)} | "
                    f"{', '.join(audits)} | {cpu} |")
    return "\n".join(rows)


def ratio_table(results: dict[str, list[Result]]) -> tuple[str, list[str]]:
    """Each ratio within a round (the two scenarios ran seconds apart), then the median."""
    rows = ["| ratio | median | each round | target |", "|---|---:|---|---:|"]
    missed = []
    for top, bottom, target in RATIOS:
        if top in results and bottom in results:
            values = [a.rate / b.rate for a, b in zip(results[top], results[bottom])]
            value = sorted(values)[(len(values) - 1) // 2]
            mark = "" if value >= target else " (missed)"
            if mark:
                missed.append(f"{top}/{bottom} {value:.2f} < {target}")
            each = ", ".join(f"{v:.2f}" for v in values)
            rows.append(f"| {top}/{bottom} | {value:.2f}{mark} | {each} | ≥ {target} |")
    return "\n".join(rows), missed


def warm_up(stack: Stack, data: Data) -> None:
    """Every route the scenarios use, on every worker thread, before any clock starts."""
    (product,) = data.products(1, stock=1_000_000)
    shoppers = data.shoppers(stack.args.connections)
    coupon = data.coupon(1_000)
    slugs, shelves = data.shelves()
    data.products(4, stock=1_000, category_ids=shelves)
    calls = [Call("GET", "/healthz"), Call("GET", "/products"),
             Call("GET", f"/products/{product}"), Call("GET", "/api/v1/products/best-sellers"),
             *(Call("GET", path) for path in browse_lists(slugs))]
    calls = calls * stack.args.connections * 2
    for _, token in shoppers:
        calls += [order_call(token, product), Call("POST", f"/api/v1/coupons/{coupon}/claims",
                                                   token),
                  Call("POST", "/api/v1/wallet/charges", token, {"amount": 1_000})]
    asyncio.run(_fire(stack.url, calls, stack.args.connections))
    data.wait_for_exports()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the load, for a smoke run")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--rounds", type=int, default=3,
                        help="run every scenario this many times; report medians (default 3)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", choices=("gthread", "sync"), default="gthread")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64,
                        help="keep-alive connections carrying the requests (default 64)")
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--database", default="sf_bench")
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--profile", metavar="SCENARIO", help="sample the workers with py-spy")
    parser.add_argument("--access-log", action="store_true",
                        help="have gunicorn log every request, as the README's command does not")
    args = parser.parse_args()
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    sizes = Sizes.quick() if args.quick else Sizes()

    # A plain SIGTERM would skip the finally below and leave gunicorn and the worker running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack = Stack(args)
    started_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    stack.reset_database()
    data = Data(stack)
    results: dict[str, list[Result]] = {name: [] for name in names}
    profile = ""
    stack.start()
    try:
        warm_up(stack, data)
        for round_number in range(1, args.rounds + 1):
            for name in names:
                recorders, out = [], Path(tempfile.mkdtemp(prefix="sf-profile-"))
                if args.profile == name and round_number == 1:
                    recorders = start_profile(stack, out)
                    time.sleep(1)  # py-spy attaches before the load starts
                result = RUNNERS[name](stack, data, sizes)
                if recorders:
                    profile = stop_profile(recorders, out)
                # The RQ worker delivers the export events after the clock stops: wait for
                # it, so the next scenario does not share the CPU with this one's jobs.
                result.drain_seconds = data.wait_for_exports()
                result.audit = data.audit()
                if result.audit != "clean":
                    result.problems.append(f"audit {result.audit}")
                results[name].append(result)
                print(f"round {round_number} {name:16} {result.rate:8,.0f} req/s  "
                      f"p99 {result.percentile(99):6.0f} ms  {dict(result.outcomes)}  "
                      f"audit {result.audit}  exports drained in {result.drain_seconds:.1f} s",
                      flush=True)
    finally:
        stack.stop()
    final = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "audit"], cwd=ROOT,
                           env=stack.env, capture_output=True, text=True, check=False)
    print()
    print(f"{started_at}; {machine()}")
    server = (f"gunicorn {args.workers} {args.worker_class} workers"
              + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
              + f", {args.connections} client connections (aiohttp), {args.rounds} rounds")
    print(server)
    print()
    print(table(results))
    print()
    ratios, missed = ratio_table(results)
    print(ratios)
    print()
    print(f"flask audit (exit {final.returncode}): {(final.stdout + final.stderr).strip()}")
    if profile:
        print()
        print(f"profile of {args.profile}:")
        print(profile)
    problems = [f"{r.name}: {p}" for rounds in results.values() for r in rounds
                for p in r.problems]
    for line in problems + [f"ratio target missed: {m}" for m in missed]:
        print("!", line)
    print(f"logs: {stack.logs}")
    return 1 if problems or final.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
