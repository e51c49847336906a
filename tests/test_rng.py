"""Named streams and per-child draws: stable, independent, policy-proof."""

import numpy as np

from sim.rng import (
    child_key,
    child_keys,
    child_uniforms,
    child_uniforms_batch,
    stream,
    uniforms_of,
)


def test_streams_are_stable_and_distinct():
    a = stream("exits", 1, 0).random(5)
    assert np.array_equal(a, stream("exits", 1, 0).random(5))
    assert not np.array_equal(a, stream("exits", 1, 1).random(5))
    assert not np.array_equal(a, stream("breakdowns", 1, 0).random(5))


def test_child_draws_depend_only_on_la_and_serial():
    k = child_key(7, 0, 12, 345)
    assert np.array_equal(child_uniforms(k, 10), child_uniforms(child_key(7, 0, 12, 345), 10))
    assert child_key(7, 0, 12, 346) != k and child_key(7, 0, 13, 345) != k
    keys = child_keys(7, 0, np.array([12, 13]), np.array([345, 1]))
    assert int(keys[0]) == k
    assert np.array_equal(child_uniforms_batch(keys, 10)[0], child_uniforms(k, 10))


def test_child_uniforms_look_uniform():
    u = child_uniforms_batch(child_keys(1, 0, np.zeros(2000, int), np.arange(2000)), 50)
    assert 0 < u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.06


def test_compiled_uniforms_are_the_same_bits():
    la, serial = np.array([0, 12, 152, 7]), np.array([0, 345, 2**41 + 3, 1])
    for seed, rep in ((1, 0), (7, 3), (2**40, 11)):
        want = child_uniforms_batch(child_keys(seed, rep, la, serial), 85)
        assert np.array_equal(uniforms_of(seed, rep, la, serial, 85), want)
