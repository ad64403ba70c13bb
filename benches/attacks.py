"""Short hostile queries against Chinook, each on a fresh server: time, answer, peak RSS.

    cargo build --release
    python3 -c "import sqlite3; sqlite3.connect('/tmp/chinook.sqlite3').executescript(open('tests/realdb/chinook.sql').read())"
    python3 benches/attacks.py /tmp/chinook.sqlite3

Prints one line a query: its size, seconds to the answer, the server's VmHWM, the answer's size
and start. 127.0.0.1 only; every query bounded by a 120 s timeout.
"""
import json, subprocess, time, urllib.request, sys

DB = sys.argv[1] if len(sys.argv) > 1 else '/tmp/chinook.sqlite3'
def run(name, q):
    p = subprocess.Popen(['target/release/relaylite', 'serve', '--db', DB, '--listen', '127.0.0.1:5900'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.7)
    t = time.time()
    try:
        r = urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:5900/graphql', data=json.dumps({'query': q}).encode(), headers={'Content-Type':'application/json'}), timeout=120).read()
    except Exception as e:
        r = str(e).encode()
    dt = time.time() - t
    hwm = [l for l in open(f'/proc/{p.pid}/status') if l.startswith('VmHWM')][0].split()[1]
    p.terminate(); p.wait()
    msg = r[:110].decode(errors='replace')
    print(f'{name:38} {len(q):6} B query  {dt:6.2f} s  {int(hwm)/1024:7.1f} MB peak  {len(r):10} B  {msg}')
fan = '{ allPlaylists { nodes { tracks { nodes { playlists { nodes { tracks { nodes { trackId } } } } } } } } }'
run('fan-out m2m x4', fan)
run('fan-out m2m x6', '{ allPlaylists { nodes { tracks { nodes { playlists { nodes { tracks { nodes { playlists { nodes { tracks { nodes { trackId } } } } } } } } } } } } }')
run('44 failing aliases under fan-out', '{ allPlaylists { nodes { tracks { nodes { playlists { nodes { %s } } } } } } }' % ' '.join(f'e{i}: tracks(first: -1) {{ totalCount }}' for i in range(44)))
run('500 aliases x 3503 tracks (1.75M values)', '{ allTracks { nodes { %s } } }' % ' '.join(f'a{i}: name' for i in range(500)))
run('200 m2m aliases under all tracks', '{ allTracks { nodes { %s } } }' % ' '.join(f'p{i}: playlists {{ nodes {{ name }} }}' for i in range(200)))
run('10,000 aliases of __typename', '{ %s }' % ' '.join(f'a{i}: __typename' for i in range(10000)))
run('fan-out with 30 fields per leaf', '{ allPlaylists { nodes { tracks { nodes { playlists { nodes { tracks { nodes { %s } } } } } } } } }' % ' '.join(f'x{i}: name' for i in range(30)))
