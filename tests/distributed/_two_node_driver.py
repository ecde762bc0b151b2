"""Driver for test_two_nodes.py: connect to ADDRESS, wait for two nodes, sample MODEL into OUT
with one actor per node (each node has one CPU); print the actors' node ids as JSON."""

import json
import sys
import time

import ray

from genaug.data.store import SyntheticStore
from genaug.scale import RayShardPool
from genaug.scale.cluster import connect
from genaug.scale.generation import model_generator_info
from genaug.synth import load_synthesizer

address, model, out, n_per_class, shard_size, seed = sys.argv[1:7]
connect(address)
deadline = time.monotonic() + 90
while sum(1 for n in ray.nodes() if n["Alive"]) < 2:
    if time.monotonic() > deadline:
        sys.exit("the second node never joined")
    time.sleep(0.5)
synth = load_synthesizer(model)
info = model_generator_info(model, synth)
with RayShardPool(model, checkpoint_hash=info["checkpoint_hash"], workers=2) as pool:
    nodes = pool.node_ids()
    manifest = SyntheticStore(out).write(None, int(n_per_class), shard_size=int(shard_size), seed=int(seed),
                                         generator_info=info, num_classes=len(synth.class_names_),
                                         map_shards=pool.map_shards())
print(json.dumps({"actor_nodes": nodes, "complete": manifest["complete"],
                  "cluster_nodes": sorted(n["NodeID"] for n in ray.nodes() if n["Alive"])}))
