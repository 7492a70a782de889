"""Two libtorrent-rasterbar sessions (Debian's python3-libtorrent, Deluge's engine) in one process that
share a file over uTP only (BEP 29: BitTorrent over UDP), on loopback: no tracker, no DHT, LSD, UPnP or
NAT-PMP, TCP off in both directions. The leecher is handed the seeder's address, so the only traffic is
uTP: what a client configured for uTP alone sends. For test_p2p_renamed.py.
Usage: p2p_utp_swarm.py FOLDER SEED_PORT LEECH_PORT (the file is made in FOLDER). Prints "done" when
the leecher has the file, then keeps both sessions up (re-sending nothing new) until killed."""
import os
import sys
import time

import libtorrent as lt


def session(port):
    return lt.session({
        "listen_interfaces": f"127.0.0.1:{port}",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_outgoing_tcp": False, "enable_incoming_tcp": False,
        "enable_outgoing_utp": True, "enable_incoming_utp": True,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": 0,
    })


def main():
    folder, seed_port, leech_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seed_dir, leech_dir = os.path.join(folder, "seed"), os.path.join(folder, "leech")
    os.makedirs(seed_dir, exist_ok=True)
    os.makedirs(leech_dir, exist_ok=True)
    with open(os.path.join(seed_dir, "payload.bin"), "wb") as f:
        f.write(os.urandom(400_000))
    fs = lt.file_storage()
    lt.add_files(fs, os.path.join(seed_dir, "payload.bin"))
    creator = lt.create_torrent(fs, 16384)
    lt.set_piece_hashes(creator, seed_dir)
    info = lt.torrent_info(creator.generate())
    seeder, leecher = session(seed_port), session(leech_port)
    seeding = seeder.add_torrent({"ti": info, "save_path": seed_dir})
    leeching = leecher.add_torrent({"ti": lt.torrent_info(info), "save_path": leech_dir})
    seeding.force_recheck()
    deadline = time.monotonic() + 120
    while not seeding.status().is_seeding and time.monotonic() < deadline:
        time.sleep(0.1)
    connected = 0
    while not leeching.status().is_seeding and time.monotonic() < deadline:
        if time.monotonic() - connected > 2:  # again until it holds: the first try may race the listener
            leeching.connect_peer(("127.0.0.1", seed_port), 0)
            connected = time.monotonic()
        time.sleep(0.1)
    print("done" if leeching.status().is_seeding else "timed out", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
