"""A loopback SMTP server that accepts every message and keeps none of it.

    python bench/smtpsink.py PORT COUNT_FILE

The benchmark's worker sends its confirmation e-mails and deliveries here, so
nothing leaves the machine. It listens on 127.0.0.1 only, speaks just the
SMTP that Django's backend uses, discards each message once it has been
received in full, and writes how many it took to COUNT_FILE twice a second.
It stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

received = 0


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    global received
    writer.write(b"220 bench-sink ESMTP\r\n")
    try:
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                while await reader.readline() not in (b".\r\n", b".\n", b""):
                    pass
                received += 1
                writer.write(b"250 accepted and discarded\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:  # MAIL, RCPT, RSET, NOOP
                writer.write(b"250 ok\r\n")
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(port: int, count_file: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    server = await asyncio.start_server(session, "127.0.0.1", port)
    async with server:
        while not stop.is_set():
            with open(count_file, "w") as handle:
                handle.write(str(received))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    with open(count_file, "w") as handle:
        handle.write(str(received))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
