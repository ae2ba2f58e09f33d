-- Invalid schedules: every rule of spec section 2 has a clear error with its
-- SQLSTATE (printed after each error), from text, arrays and the constructor.

-- empty
SELECT ''::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '   '::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{}', '{}'); \echo :LAST_ERROR_SQLSTATE

-- malformed text
SELECT '0'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT ':0.5'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5,'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5 10:0.4'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5; 10:0.4'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5, 10:0.4.1'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5, 1e:0.4'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5,,10:0.4'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '{0:0.5}'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5 abc'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:5%'::pm.tiers; \echo :LAST_ERROR_SQLSTATE

-- NaN and infinities, in text and in arrays
SELECT '0:NaN'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:1, Infinity:0.5'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:1, 10:-inf'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{0,NaN}', '{1,0.5}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{0,10}', '{1,Infinity}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{0}', '{-Infinity}'); \echo :LAST_ERROR_SQLSTATE

-- first floor not 0
SELECT '10:0.5'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '-1:0.5, 0:0.4'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{0.0001}', '{0.5}'); \echo :LAST_ERROR_SQLSTATE

-- floors not strictly increasing
SELECT '0:0.5, 10:0.4, 10:0.3'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5, 10:0.4, 5:0.3'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5, 10.0:0.4, 10.00:0.3'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{0,0}', '{1,1}'); \echo :LAST_ERROR_SQLSTATE

-- negative rates (rates above 1 are valid here: brackets may use them)
SELECT '0:-0.01'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:0.5, 10:-0.5'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
SELECT '0:1.5'::pm.tiers AS rate_above_one_is_a_valid_schedule;

-- arrays of different length, with NULLs, or not one-dimensional
SELECT pm.tiers('{0,10}', '{0.5}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{0}', '{0.5,0.4}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{0,NULL}', '{0.5,0.4}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{0,10}', '{0.5,NULL}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers('{{0,10}}', '{{0.5,0.4}}'); \echo :LAST_ERROR_SQLSTATE
-- a NULL array gives NULL (the constructor is strict)
SELECT pm.tiers(NULL, '{0.5}') IS NULL AS null_in_null_out;

-- numbers numeric itself cannot hold
SELECT '0:0.5, 1e999999999:0.4'::pm.tiers; \echo :LAST_ERROR_SQLSTATE
