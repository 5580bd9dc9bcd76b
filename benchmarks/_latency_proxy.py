"""A loopback TCP proxy that adds a fixed latency to every request: a registry "across the
internet" for benchmarks.

Every chunk a client sends is forwarded to the upstream ``delay`` seconds after it
arrived (in order, per connection); answers come back at once. An HTTP/1.1 request and
its answer therefore take at least ``delay`` longer, on a fresh connection and on a
kept-alive one alike. Connection setup is not delayed, which favours clients that open a
connection per request (a ``skopeo`` process per tag): the comparison is conservative.

Run as a process of its own, so it never competes with the client being measured for
the interpreter lock; it prints its port on the first line of stdout::

    python benchmarks/_latency_proxy.py --upstream 127.0.0.1:5000 --delay-ms 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

    async def pump() -> None:
        while True:
            item = await queue.get()
            if item is None:
                break
            due, data = item
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    task = asyncio.create_task(pump())
    try:
        while data := await reader.read(1 << 16):
            queue.put_nowait((loop.time() + delay, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait(None)
    with contextlib.suppress(ConnectionError, OSError):
        await task
        writer.close()


async def _serve(host: str, port: int, delay: float) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(host, port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, up_w, delay), _pipe(up_r, client_w, 0.0))

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, metavar="HOST:PORT")
    parser.add_argument("--delay-ms", type=float, default=20.0)
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    try:
        asyncio.run(_serve(host, int(port), args.delay_ms / 1000))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
