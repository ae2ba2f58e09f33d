# portfolio_margin: PGXS build.  See README.md for the demo and test commands.

EXTENSION = portfolio_margin
MODULE_big = portfolio_margin

CORE_OBJS = src/core/tiers_lex.o src/core/dec128.o
OBJS = \
	src/portfolio_margin.o \
	src/pm_numeric.o \
	src/tiers_build.o \
	src/tiers_io.o \
	src/tiers_sql.o \
	src/tiers_binance.o \
	src/tiered.o \
	src/futures.o \
	src/loans.o \
	src/margin_state.o \
	src/margin_summary.o \
	src/margin_agg.o \
	src/status.o \
	src/orders.o \
	src/dec_numeric.o \
	src/pm_value.o \
	src/line_math.o \
	src/lookup.o \
	src/ledger_agg.o \
	$(CORE_OBJS)

DATA = $(wildcard sql/portfolio_margin--*.sql)

REGRESS = tiers_io tiers_errors tiers_binance tiered futures spec_vectors \
	margin_aggregate margin_plans reference_schema spec_accounts account_state
REGRESS_OPTS = --load-extension=portfolio_margin

# Concurrency: pg_isolation_regress specs in test/isolation
ISOLATION = state_concurrency
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=portfolio_margin

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS does not track headers unless PostgreSQL was configured with
# --enable-depend; every object depends on every header of ours instead.
$(OBJS): $(wildcard src/*.h src/core/*.h)

# C unit tests of the pure-C core (src/core), no server needed.
UNIT_TESTS = test/unit/test_tiers_lex test/unit/test_dec128
UNIT_CFLAGS = -std=c99 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -Isrc

test/unit/%: test/unit/%.c src/core/*.c src/core/*.h test/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(filter %.c,$(wordlist 2,99,$^))

.PHONY: unitcheck
unitcheck: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do ./$$t || exit 1; done

EXTRA_CLEAN = $(UNIT_TESTS)
