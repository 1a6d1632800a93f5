"""Solves an exported search-path master (an MPS file) with HiGHS's interior point (IPX, no
crossover), HiGHS's PDLP and Clarabel, one thread each, and reports time, iterations and how
feasible each method's row duals are for the master's own columns (BENCHMARKS.md, "Issue 12,
fifteenth pass").

    python3 -m venv /tmp/v && /tmp/v/bin/pip install highspy clarabel numpy scipy
    /tmp/v/bin/python bench/kep/master_lp.py master5.mps ipm pdlp clarabel

Masters are exported by a temporary build: `Highs_writeModel(model, "masterN.mps")` at the top
of `Model::solve_master` (rex-match/src/solve/search.rs).
"""
import sys, time, highspy, numpy as np, scipy.sparse as sp
f = sys.argv[1]; which = sys.argv[2:]
h = highspy.Highs(); h.setOptionValue("output_flag", False); h.readModel(f)
lp = h.getLp()
m, n = lp.num_row_, lp.num_col_
A = sp.csc_matrix((np.array(lp.a_matrix_.value_), np.array(lp.a_matrix_.index_), np.array(lp.a_matrix_.start_)), shape=(m, n))
c = np.array(lp.col_cost_); rub = np.array(lp.row_upper_); cub = np.array(lp.col_upper_)
print(f, m, n, A.nnz, "sense", lp.sense_, "col ub finite", np.isfinite(cub).sum())
for w in which:
    if w in ("ipm", "pdlp", "simplex"):
        h2 = highspy.Highs(); h2.setOptionValue("output_flag", False); h2.readModel(f)
        h2.setOptionValue("solver", w); h2.setOptionValue("threads", 1)
        if w == "ipm": h2.setOptionValue("run_crossover", "off")
        if w == "pdlp": h2.setOptionValue("time_limit", 120.0)
        t = time.time(); h2.run(); dt = time.time() - t
        info = h2.getInfo()
        print(w, h2.modelStatusToString(h2.getModelStatus()), info.objective_function_value, f"{dt:.1f}s", "ipm it", info.ipm_iteration_count, "pdlp it", info.pdlp_iteration_count)
        y = np.array(h2.getSolution().row_dual)
        if lp.sense_ == highspy.ObjSense.kMaximize and (y < -1e-3).sum() > (y > 1e-3).sum(): y = -y
        yc = np.maximum(y, 0) * (rub > 0.5) + y * (rub <= 0.5)
        rc = c - A.T @ yc
        print("   duals: neg group", (y[rub > 0.5] < -1e-6).sum(), "max rc", rc.max(), "#rc>1e-6", (rc > 1e-6).sum(), "#rc>1e-3", (rc > 1e-3).sum(), "dual obj", rub @ yc, "sum pos rc", np.maximum(rc, 0).sum())
    if w == "clarabel":
        import clarabel
        # max c x st A x <= rub, x >= 0, x <= cub (finite)  => min -c x
        fin = np.isfinite(cub)
        I = sp.identity(n, format="csc")
        Aall = sp.vstack([A, -I, I[fin]]).tocsc()
        b = np.concatenate([rub, np.zeros(n), cub[fin]])
        P = sp.csc_matrix((n, n))
        s = clarabel.DefaultSettings(); s.verbose = False; s.max_threads = 1
        t = time.time()
        sol = clarabel.DefaultSolver(P, -c, Aall, b, [clarabel.NonnegativeConeT(Aall.shape[0])], s).solve()
        print("clarabel", sol.status, -sol.obj_val, f"{time.time()-t:.1f}s", sol.iterations)
