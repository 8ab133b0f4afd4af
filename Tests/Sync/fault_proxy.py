"""An HTTP/1.1 proxy between a kioskd device and its hub that injects the faults a shop's
network and a busy hub produce. It reads each request whole, then, by the mode in MODE_FILE
(read per request): pass, drop (close without answer), delay (2 s, then pass), 500 (answer
500 without forwarding), reset (forward, then send half the answer and reset the connection:
the hub has stored the batch, the device never hears so), duplicate (forward twice, answer
once), random (one of those, seeded). Usage: fault_proxy.py LISTEN_PORT_FILE HUB_PORT MODE_FILE
"""
import asyncio, random, socket, struct, sys

port_file, hub_port, mode_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(7)
counts = {}

def mode():
    try:
        m = open(mode_file).read().strip() or "pass"
    except OSError:
        m = "pass"
    if m == "random":
        m = rng.choice(["pass", "pass", "drop", "delay", "500", "reset", "duplicate"])
    counts[m] = counts.get(m, 0) + 1
    open(mode_file + ".counts", "w").write(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return m

async def read_message(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    body = await reader.readexactly(length) if length else b""
    return head, body

async def forward(head, body):
    r, w = await asyncio.open_connection("127.0.0.1", hub_port)
    w.write(head + body)
    await w.drain()
    answer = await read_message(r)
    w.close()
    return answer

def reset(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()

async def client(reader, writer):
    try:
        while True:
            try:
                head, body = await read_message(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            m = mode()
            if m == "drop":
                writer.close(); return
            if m == "500":
                msg = b'{"error":{"message":"injected 500"}}'
                writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(msg) + msg)
                await writer.drain(); continue
            if m == "delay":
                await asyncio.sleep(2)
            try:
                rhead, rbody = await forward(head, body)
                if m == "duplicate":
                    await forward(head, body)
            except (OSError, asyncio.IncompleteReadError):
                writer.close(); return      # the hub is down: the device sees the connection end
            if m == "reset":
                writer.write((rhead + rbody)[: (len(rhead) + len(rbody)) // 2])
                await writer.drain()
                reset(writer); return
            writer.write(rhead + rbody)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass

async def main():
    server = await asyncio.start_server(client, "127.0.0.1", 0)
    open(port_file, "w").write(str(server.sockets[0].getsockname()[1]))
    async with server:
        await server.serve_forever()

try:
    asyncio.run(main())
finally:
    print("faults injected:", counts, file=sys.stderr)
