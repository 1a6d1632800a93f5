"""The cover bound (cycles and chains of any length) of Trimble instances, computed outside rex
with SciPy's linear_sum_assignment, printed next to rex's optimum from bench/kep/results.jsonl.

usage: python bench/kep/cover_bound_check.py ../shared/data/kep/trimble-generated/saidman-5pc/*.input
(needs numpy and scipy, e.g. target/bench-venv; dense matrices: instances of a few thousand
vertices at most)
"""
import sys, json, numpy as np
from scipy.optimize import linear_sum_assignment
def read(path):
    lines=open(path).read().split('\n')
    n,m=map(int,lines[0].split()); arcs=[]
    for l in lines[1:]:
        p=l.split()
        if len(p)<2: continue
        u,v=int(p[0]),int(p[1])
        if u<0: break
        arcs.append((u,v))
    return n,arcs
def bound(inp):
    n,arcs=read(inp)
    a,aarcs=read(inp[:-6]+'.ndds')
    N=n+a; BIG=-1e6
    W=np.full((N,N),BIG)
    for u,v in arcs: W[u,v]=1
    for i,v in aarcs: W[n+i,v]=1
    for u in range(n): W[u,u]=0; W[u,n:]=0
    for i in range(a): W[n+i,n+i]=0
    r,c=linear_sum_assignment(W,maximize=True)
    return int(W[r,c].sum())
res={}
for l in open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'results.jsonl')):
    d=json.loads(l)
    if 'instance' not in d: continue
    res[d['instance']]=d['rex']['objective']
for inp in sys.argv[1:]:
    key=inp.split('/kep/')[1]
    b=bound(inp); print(key, 'opt', res.get(key), 'assign', b, flush=True)
