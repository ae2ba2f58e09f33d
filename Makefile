# portfolio_margin: PGXS build.  See README.md for the demo and test commands.

EXTENSION = portfolio_margin
MODULE_big = portfolio_margin

CORE_OBJS = src/core/tiers_lex.o src/core/dec128.o src/core/wire.o
OBJS = \
	src/portfolio_margin.o \
	src/number_numeric.o \
	src/number_dec.o \
	src/number_value.o \
	src/number_sum.o \
	src/tiers_build.o \
	src/tiers_io.o \
	src/tiers_sql.o \
	src/tiers_binance.o \
	src/tiered.o \
	src/futures.o \
	src/loans.o \
	src/margin_accum.o \
	src/margin_summary.o \
	src/margin_agg.o \
	src/status.o \
	src/as_of.o \
	src/history.o \
	src/risk_fields.o \
	src/risk_split.o \
	src/orders.o \
	src/tiers_eval.o \
	src/line_math.o \
	src/refcache.o \
	src/refdata.o \
	src/ledger_accum.o \
	src/ledger_rows.o \
	src/ledger_scenario.o \
	src/ledger_stress.o \
	src/ledger_liquidation.o \
	src/ledger_moved.o \
	src/ledger_combine.o \
	src/ledger_codec.o \
	src/ledger_complete.o \
	src/ledger_final.o \
	src/ledger_totals.o \
	src/ledger_merge_plan.o \
	src/ledger_merge_exec.o \
	src/state_trigger.o \
	src/revalue_at.o \
	src/access_rules.o \
	src/restore.o \
	src/row_check.o \
	src/excerpt.o \
	src/wire_pg.o \
	src/json_keys.o \
	$(CORE_OBJS)

# The install script of the current version is built from sql/$(EXTENSION).sql
# (one readable file, as pgvector does); existing databases move through the
# upgrade scripts sql/$(EXTENSION)--A--B.sql, which start from 0.1.0's.
EXTVERSION = $(shell sed -nE "s/^default_version *= *'([^']+)'.*/\1/p" $(EXTENSION).control)
DATA = sql/$(EXTENSION)--0.1.0.sql $(wildcard sql/$(EXTENSION)--*--*.sql)
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql

REGRESS = tiers_io tiers_errors tiers_binance tiered futures spec_vectors \
	margin_aggregate margin_plans reference_schema spec_accounts account_state ledger_totals \
	position_changes binance_import \
	hostile_input beyond reference_cache risk_split ledger_merge own_tables settings stress_grid liquidation_ladder revalue_at history
REGRESS_OPTS = --load-extension=portfolio_margin

# Concurrency: pg_isolation_regress specs in test/isolation
ISOLATION = state_concurrency reference_cache event_order import_concurrency history_order
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=portfolio_margin

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: sql/$(EXTENSION).sql
	cp $< $@

# PGXS does not track headers unless PostgreSQL was configured with
# --enable-depend; every object depends on every header of ours instead.
$(OBJS): $(wildcard src/*.h src/core/*.h)

# C unit tests of the pure-C core (src/core), no server needed.
UNIT_TESTS = test/unit/test_tiers_lex test/unit/test_dec128 test/unit/test_wire \
	test/unit/test_wire_ledger
UNIT_CFLAGS = -std=c99 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc

test/unit/%: test/unit/%.c src/core/*.c src/core/*.h test/unit/unit.h test/unit/bytes.h test/unit/dec_ref.h
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(filter %.c,$(wordlist 2,99,$^))

.PHONY: unitcheck
unitcheck: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do ./$$t || exit 1; done

# Fuzzing the pure-C core.  fuzzcheck (run by test/run.sh) replays the seed
# corpus in test/fuzz/corpus with gcc and ASan/UBSan; `make fuzz
# FUZZ_SECONDS=1800` runs libFuzzer (clang) on every target, growing the
# corpus in test/fuzz/work/ (not committed).
FUZZ_TARGETS = tiers_lex dec128 wire
FUZZ_CLANG ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc -Itest/unit

test/fuzz/replay_%: test/fuzz/fuzz_%.c test/fuzz/replay.c src/core/*.c src/core/*.h test/unit/dec_ref.h
	$(CC) -std=c99 $(FUZZ_FLAGS) -o $@ test/fuzz/fuzz_$*.c test/fuzz/replay.c $(wildcard src/core/*.c)

test/fuzz/libfuzzer_%: test/fuzz/fuzz_%.c src/core/*.c src/core/*.h test/unit/dec_ref.h
	$(FUZZ_CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ test/fuzz/fuzz_$*.c $(wildcard src/core/*.c)

.PHONY: fuzzcheck fuzz
fuzzcheck: $(addprefix test/fuzz/replay_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do ./test/fuzz/replay_$$t $$t test/fuzz/corpus/$$t || exit 1; done

fuzz: $(addprefix test/fuzz/libfuzzer_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p test/fuzz/work/$$t; \
	  ./test/fuzz/libfuzzer_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    test/fuzz/work/$$t test/fuzz/corpus/$$t || exit 1; \
	done

EXTRA_CLEAN = $(UNIT_TESTS) $(addprefix test/fuzz/replay_,$(FUZZ_TARGETS)) \
	$(addprefix test/fuzz/libfuzzer_,$(FUZZ_TARGETS))
