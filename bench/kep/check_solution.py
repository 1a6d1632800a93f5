"""Checks a `rex match --json` solution against the Trimble files it came from, outside rex:
every arc present, no vertex twice, cycles of 2-3 arcs, chains of at most 3 arcs from an
offer, and the objective equal to the arcs used.

usage: rex match POOL.input -K 3 -L 3 --json > sol.json; python3 bench/kep/check_solution.py sol.json POOL
"""
import json, sys
sol = json.load(open(sys.argv[1])); base = sys.argv[2]
need = set(); used = []
for c in sol['cycles']:
    assert 2 <= len(c) <= 3, c
    for i in range(len(c)): need.add(('p', c[i], c[(i+1) % len(c)]))
    used += c
for ch in sol['chains']:
    assert 2 <= len(ch) <= 4 and ch[0].startswith('n'), ch
    need.add(('n', ch[0][1:], ch[1]))
    for a, b in zip(ch[1:], ch[2:]): need.add(('p', a, b))
    used += ch
assert len(used) == len(set(used)), "a vertex used twice"
found = set()
for kind, path in (('p', base + '.input'), ('n', base + '.ndds')):
    with open(path) as f:
        next(f)
        for line in f:
            p = line.split()
            if p[0] == '-1': break
            t = (kind, p[0], p[1])
            if t in need: found.add(t)
missing = need - found
arcs = sum(len(c) for c in sol['cycles']) + sum(len(ch) - 1 for ch in sol['chains'])
print('arcs used', arcs, 'objective', sol['objective'], 'missing arcs', len(missing))
assert not missing and arcs == sol['objective']
