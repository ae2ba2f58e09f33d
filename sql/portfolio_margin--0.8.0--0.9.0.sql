------------------------------------------------------------------------------
-- portfolio_margin 0.8.0 -> 0.9.0: recomputing many accounts compiles no
-- JIT code.
--
-- pm.recompute_batch's statement over a large batch (a price tick, a
-- refresh) has an estimated cost far above jit_above_cost, so with the
-- default jit = on every call compiled and optimized ~47 expression
-- functions with LLVM before running.  Measured on a mark-price tick that
-- recomputes 100,000 accounts (200,000-account exchange): 378 ms of JIT
-- in a 2.2 s statement, and the tick as a whole 2.29-2.34 s with JIT,
-- 1.96-2.03 s without.  The work JIT could speed up is small here: the
-- time goes to index reads and to the aggregate's own C code, which JIT
-- does not compile.  The function's own setting is restored when it
-- returns, so the caller's jit is untouched.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.9.0'" to load this file. \quit

ALTER FUNCTION pm.recompute_batch(pg_catalog.int8[]) SET jit = off;
