import functools
import os
import time

from sensorimotor.run.backend_local import LocalBackend


def _mark(folder, batch):
    open(os.path.join(folder, str(batch[0])), "w").close()
    time.sleep(0.2)  # long enough that the batches are still queued when the map stops
    return batch


def test_a_map_stopped_early_drops_its_queued_batches(tmp_path):
    """Closing the map (a Ctrl-C in ``sensorimotor run``) left the pool's exit to run
    every queued batch, for no one: an interrupted sweep of 45 trials went on for half a
    minute in silence. Now the batches not yet started are dropped."""
    batches = [[i] for i in range(12)]
    results = LocalBackend(workers=2).map(functools.partial(_mark, str(tmp_path)), batches)
    next(results)
    results.close()
    assert len(os.listdir(tmp_path)) < len(batches)
