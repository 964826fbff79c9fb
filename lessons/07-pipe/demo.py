"""Pipe: two connected ends; duplex by default, or one-way."""
import multiprocessing as mp


def square_server(conn):
    # A duplex end both receives and sends.
    while True:
        x = conn.recv()  # blocks until a message arrives
        if x is None:
            break
        conn.send(x * x)
    conn.close()


def writer(w, n):
    for i in range(n):
        w.send(i)  # send() pickles the object
    w.close()


if __name__ == "__main__":
    # duplex (the default): both ends can send() and recv()
    parent_conn, child_conn = mp.Pipe()
    p = mp.Process(target=square_server, args=(child_conn,))
    p.start()
    child_conn.close()  # the child has its own copy of this end
    for i in range(5):
        parent_conn.send(i)
        print(f"sent {i}, reply {parent_conn.recv()}")
    parent_conn.send(None)  # "no more requests"
    p.join()

    # one-way: Pipe(duplex=False) returns (receive-only, send-only)
    r, w = mp.Pipe(duplex=False)
    p = mp.Process(target=writer, args=(w, 5))
    p.start()
    # Close OUR copy of the write end, or recv() never sees EOF.
    w.close()
    while True:
        try:
            print("received", r.recv())
        except EOFError:  # every write end is closed
            print("EOF")
            break
    p.join()
