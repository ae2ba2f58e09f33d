-- The portfolio_margin. prefix is the extension's: once its library is
-- loaded, a setting under it that the extension does not define is an
-- error, not a silent placeholder.
LOAD 'portfolio_margin';
SET portfolio_margin.fastpath = off;               -- misspelt
SET portfolio_margin.fast_path = off;
SHOW portfolio_margin.fast_path;
RESET portfolio_margin.fast_path;
SELECT set_config('portfolio_margin.ledger_merg', 'off', false);   -- misspelt
SET portfolio_margin.reference_cache = off;
RESET portfolio_margin.reference_cache;
-- A session that set a misspelt one before the library was loaded loses
-- it when the library loads, with a warning naming it.
\c
SET portfolio_margin.fastpath = off;
LOAD 'portfolio_margin';
SHOW portfolio_margin.fastpath;
