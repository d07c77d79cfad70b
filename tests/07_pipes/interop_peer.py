"""The Python end of lesson 07's interop tests: CPython's own Connection talking to the C++ one.

Started by tests/07_pipes/interop_test.cpp as

    python3 interop_peer.py socket    # fd 3 is one end of a socket pair (both directions)
    python3 interop_peer.py pipes     # fd 3 is the read end of one pipe, fd 4 the write end of another

It answers every message with b"echo:" followed by the message reversed, until the message
b"your turn". Then it sends its own messages (the sizes in OWN_SIZES, each the pattern
byte i = i % 251), closes its ends and exits with status 0. Any error ends it with a traceback on
stderr and a non-zero status, and its ends close, so the C++ side sees end of file instead of waiting.
"""

import sys
from multiprocessing.connection import Connection

OWN_SIZES = (0, 5, 100_000)


def pattern(size):
    return bytes(i % 251 for i in range(size))


def main():
    if sys.argv[1:] == ["socket"]:
        incoming = outgoing = Connection(3)
    elif sys.argv[1:] == ["pipes"]:
        incoming = Connection(3, writable=False)
        outgoing = Connection(4, readable=False)
    else:
        sys.exit("usage: interop_peer.py socket|pipes")

    while True:
        message = incoming.recv_bytes()
        if message == b"your turn":
            break
        outgoing.send_bytes(b"echo:" + message[::-1])

    for size in OWN_SIZES:
        outgoing.send_bytes(pattern(size))

    outgoing.close()
    if incoming is not outgoing:
        incoming.close()


if __name__ == "__main__":
    main()
