"""kube-proxy's part for the container tests: Service ports inside one pod's network namespace.

Run inside the pod's namespace (`nsenter --net=/proc/PID/ns/net`), it listens on
127.0.0.1:<service port> for each rule and copies bytes to the target pod's port published on
the host's loopback (reached from the pod as slirp4netns' 10.0.2.2). With the Service names
resolving to 127.0.0.1 in the pod's /etc/hosts, `web.pr-N.svc.cluster.local:80` reaches the web
pod as in Kubernetes. Prints "ready" once every port listens.

    python -m devstack.service_proxy 80=10.0.2.2:41234 7233=10.0.2.2:41235
"""

from __future__ import annotations

import asyncio
import contextlib
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


def _forwarder(host: str, port: int) -> object:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            target_r, target_w = await asyncio.open_connection(host, port)
        except OSError:
            client_w.close()  # like a Service without ready endpoints: the connection is refused
            return
        await asyncio.gather(_pipe(client_r, target_w), _pipe(target_r, client_w))

    return handle


async def serve(rules: list[str]) -> None:
    servers = []
    for rule in rules:
        listen, target = rule.split("=", 1)
        host, port = target.rsplit(":", 1)
        handler = _forwarder(host, int(port))
        servers.append(await asyncio.start_server(handler, "127.0.0.1", int(listen)))  # type: ignore[arg-type]
    print("ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1:]))
