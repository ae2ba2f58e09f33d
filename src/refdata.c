/*-------------------------------------------------------------------------
 *
 * refdata.c
 *	  The query's reference data, read once per query (see refdata.h).
 *
 * The decoded tables hang off the calling function's FmgrInfo for the
 * query (in each parallel worker, its own copy).  The read itself is the
 * session's when the tables have not changed since (refcache.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "as_of.h"
#include "compat.h"
#include "excerpt.h"
#include "refdata.h"
#include "number.h"
#include "refcache.h"

/* The hash an asset or symbol name is indexed by (hash_any). */
static uint32
name_hash(const char *name, int len)
{
	return DatumGetUInt32(hash_any((const unsigned char *) name, len));
}

/* Column col of SPI row row, a varlena copied into the current context; or NULL. */
static Datum
spi_copy(int row, int col, bool *isnull, bool byval, int typlen)
{
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);

	if (*isnull)
		return (Datum) 0;
	if (typlen == -1)
		return PointerGetDatum(PG_DETOAST_DATUM_COPY(d));
	return d;
}

/* Column col of SPI row row, a text that must not be NULL, as a C string. */
static char *
spi_text(int row, int col, int *len)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
	text	   *t;

	Assert(!isnull);
	t = DatumGetTextPP(d);
	*len = VARSIZE_ANY_EXHDR(t);
	return pnstrdup(VARDATA_ANY(t), *len);
}

/* Put entry i into an open-addressing index by hash. */
static void
index_put(int *slots, int nslots, uint32 hash, int i)
{
	int			s = hash & (nslots - 1);

	while (slots[s] != 0)
		s = (s + 1) & (nslots - 1);
	slots[s] = i + 1;
}

/*
 * The reads, each as the tables are now and as of portfolio_margin.as_of
 * (the functions read the history tables; same columns, same order).
 */
#define AS_OF "(pg_catalog.current_setting('portfolio_margin.as_of')::pg_catalog.timestamptz)"
static const char *const ASSET_READ[2] = {
	"SELECT asset, index_price FROM pm.asset",
	"SELECT asset, index_price FROM pm.asset_at" AS_OF};
static const char *const SYMBOL_READ[2] = {
	"SELECT symbol, market, settle_asset, contract_size, mark_price, brackets, base_asset FROM pm.symbol",
	"SELECT symbol, market, settle_asset, contract_size, mark_price, brackets, base_asset FROM pm.symbol_at" AS_OF};
static const char *const COLLATERAL_READ[2] = {
	"SELECT program, asset, schedule FROM pm.collateral",
	"SELECT program, asset, schedule FROM pm.collateral_at" AS_OF};
static const char *const LOAN_MMR_READ[2] = {
	"SELECT leverage, mmr FROM pm.loan_mmr",
	"SELECT leverage, mmr FROM pm.loan_mmr_at" AS_OF};

/*
 * Run one of our reference-table reads, as of now or as of the setting.
 * The plans are prepared once per backend and kept (they are plain scans, so nothing invalidates them but
 * DDL, which replans them transparently); every execution reads under the
 * current snapshot, so the data is always the query's own.
 */
static void
run_read(int which, const char *const sql[2])
{
	static SPIPlanPtr plans[8];
	bool		past = as_of_active();

	which = which * 2 + past;
	if (plans[which] == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql[past], 0, NULL);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare \"%s\": %s", sql[past], SPI_result_code_string(SPI_result));
		plans[which] = plan;
	}
	if (SPI_execute_plan(plans[which], NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not run \"%s\"", sql[past]);
}

/* Read every reference table once. */
static void *
refdata_load(MemoryContext mcxt)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	RefData *c = palloc0(sizeof(RefData));
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* assets, with a room for each program's schedule */
	run_read(0, ASSET_READ);
	MemoryContextSwitchTo(mcxt);
	c->nassets = SPI_processed;
	c->assets = palloc0(sizeof(AssetInfo) * Max(c->nassets, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		AssetInfo  *a = &c->assets[i];
		bool		isnull;

		a->name = spi_text(i, 1, &a->len);
		a->hash = name_hash(a->name, a->len);
		a->price = (Numeric) DatumGetPointer(spi_copy(i, 2, &isnull, false, -1));
		a->price_val = a->price ? pmv_numeric(a->price) : pmv_zero();
	}

	/* symbols; the index size fits both tables */
	run_read(1, SYMBOL_READ);
	MemoryContextSwitchTo(mcxt);
	c->nsymbols = SPI_processed;
	c->nslots = 16;
	while (c->nslots < 2 * Max(c->nassets, c->nsymbols))
		c->nslots *= 2;
	c->asset_slots = palloc0(sizeof(int) * c->nslots);
	c->symbol_slots = palloc0(sizeof(int) * c->nslots);
	for (i = 0; i < (uint64) c->nassets; i++)
		index_put(c->asset_slots, c->nslots, c->assets[i].hash, i);
	c->symbols = palloc0(sizeof(SymbolInfo) * Max(c->nsymbols, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		SymbolInfo *s = &c->symbols[i];
		char	   *market;
		char	   *settle;
		int			len;
		bool		isnull;

		s->name = spi_text(i, 1, &s->len);
		s->hash = name_hash(s->name, s->len);
		market = spi_text(i, 2, &len);
		s->is_cm = strcmp(market, "CM") == 0;
		settle = spi_text(i, 3, &len);
		s->settle = refdata_asset(c, settle, len);
		if (s->settle == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("settle asset %s of symbol %s is not in pm.asset", pm_excerpt(settle, len), pm_excerpt(s->name, s->len))));
		settle = spi_text(i, 7, &len);
		s->base = refdata_asset(c, settle, len);
		if (s->is_cm)
			s->contract_size = pmv_numeric((Numeric) DatumGetPointer(spi_copy(i, 4, &isnull, false, -1)));
		s->mark = pmv_numeric((Numeric) DatumGetPointer(spi_copy(i, 5, &isnull, false, -1)));
		s->brackets = (PmTiers *) DatumGetPointer(spi_copy(i, 6, &isnull, false, -1));
		index_put(c->symbol_slots, c->nslots, s->hash, i);
	}

	/* collateral schedules by program */
	run_read(2, COLLATERAL_READ);
	MemoryContextSwitchTo(mcxt);
	for (i = 0; i < SPI_processed; i++)
	{
		int			plen,
					alen;
		char	   *program = spi_text(i, 1, &plen);
		char	   *asset = spi_text(i, 2, &alen);
		AssetInfo  *a = refdata_asset(c, asset, alen);
		bool		isnull;
		PmTiers    *t = (PmTiers *) DatumGetPointer(spi_copy(i, 3, &isnull, false, -1));

		if (a == NULL)
			continue;
		if (strcmp(program, "PM") == 0)
			a->collateral_pm = t;
		else
			a->collateral_pm_pro = t;
	}

	run_read(3, LOAN_MMR_READ);
	MemoryContextSwitchTo(mcxt);
	c->nloan = SPI_processed;
	c->loan_leverage = palloc0(sizeof(int32) * Max(c->nloan, 1));
	c->loan_mmr = palloc0(sizeof(Numeric) * Max(c->nloan, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		c->loan_leverage[i] = DatumGetInt32(spi_copy(i, 1, &isnull, true, 4));
		c->loan_mmr[i] = (Numeric) DatumGetPointer(spi_copy(i, 2, &isnull, false, -1));
	}

	SPI_finish();
	MemoryContextSwitchTo(old);
	return c;
}

/* The query's reference data, found on first use. */
RefData *
refdata_get(FmgrInfo *flinfo)
{
	return refdata_get_in(&flinfo->fn_extra, flinfo->fn_mcxt);
}

/* The same kept in *slot, for a caller whose fn_extra holds more. */
RefData *
refdata_get_in(void **slot, MemoryContext mcxt)
{
	if (*slot == NULL)
		*slot = refcache_get(REFCACHE_REFDATA, mcxt, refdata_load);
	return (RefData *) *slot;
}

/*
 * Index of the entry called name in an open-addressing index over an array
 * of size-byte entries (name, len and hash at the given offsets), or -1.
 */
static int
find_slot(const int *slots, int nslots, uint32 hash, const char *name, int len,
		  const void *base, size_t size, size_t name_off, size_t len_off, size_t hash_off)
{
	int			s;

	for (s = hash & (nslots - 1); slots[s] != 0; s = (s + 1) & (nslots - 1))
	{
		const char *e = (const char *) base + (slots[s] - 1) * size;

		if (*(const uint32 *) (e + hash_off) == hash &&
			*(const int *) (e + len_off) == len &&
			memcmp(*(char *const *) (e + name_off), name, len) == 0)
			return slots[s] - 1;
	}
	return -1;
}

/* The asset called name, or NULL when pm.asset has none. */
AssetInfo *
refdata_asset(RefData *c, const char *name, int len)
{
	int			i = find_slot(c->asset_slots, c->nslots, name_hash(name, len), name, len,
							  c->assets, sizeof(AssetInfo), offsetof(AssetInfo, name),
							  offsetof(AssetInfo, len), offsetof(AssetInfo, hash));

	return i < 0 ? NULL : &c->assets[i];
}

/* The symbol called name, or NULL when pm.symbol has none. */
SymbolInfo *
refdata_symbol(RefData *c, const char *name, int len)
{
	int			i = find_slot(c->symbol_slots, c->nslots, name_hash(name, len), name, len,
							  c->symbols, sizeof(SymbolInfo), offsetof(SymbolInfo, name),
							  offsetof(SymbolInfo, len), offsetof(SymbolInfo, hash));

	return i < 0 ? NULL : &c->symbols[i];
}

/* The loan MMR of a leverage, or NULL when pm.loan_mmr has none. */
Numeric
refdata_loan_mmr(RefData *c, int32 leverage)
{
	int			i;

	for (i = 0; i < c->nloan; i++)
		if (c->loan_leverage[i] == leverage)
			return c->loan_mmr[i];
	return NULL;
}

/* The asset's collateral schedule in the PM or the PM_PRO program; NULL: none. */
PmTiers *
asset_collateral(AssetInfo *a, bool pm_program)
{
	return pm_program ? a->collateral_pm : a->collateral_pm_pro;
}
