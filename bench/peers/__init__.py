"""Parts of the side-by-side peer bench (bench/bench_peers.py): workload, processes, wire counter, both peers."""
