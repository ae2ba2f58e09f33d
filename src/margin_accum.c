/*-------------------------------------------------------------------------
 *
 * margin_accum.c
 *	  The margin accumulator: margin lines summed per asset (see margin_accum.h).
 *
 * Lines are found by asset name through a small open-addressing hash index
 * once an account has more than a few assets, so an account with thousands
 * of assets costs no more per line than one with three.  Sums are PmSum:
 * scaled 128-bit integers while they fit, numeric after.  All values an
 * accumulator points to live in its own memory context; replaced values are
 * freed at once, so an accumulator grows with its number of assets, never
 * with its lines.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "compat.h"
#include "excerpt.h"
#include "margin_accum.h"
#include "number.h"
#include "tiers.h"
#include "wire_pg.h"

/* Linear search is faster than hashing up to this many assets. */
#define PM_LINEAR_MAX	8

/* A new, empty margin accumulator in mcxt. */
MarginAccum *
margin_accum_create(MemoryContext mcxt)
{
	MarginAccum *st = MemoryContextAllocZero(mcxt, sizeof(MarginAccum));

	st->mcxt = mcxt;
	st->capacity = 8;
	st->assets = MemoryContextAllocZero(mcxt, sizeof(MarginAsset) * st->capacity);
	return st;
}

/* A copy of a numeric in cxt, with a 4-byte header so it can be read in place. */
static Numeric
numeric_copy_to(MemoryContext cxt, Numeric n)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Numeric		copy = pm_numeric_copy_plain(n);

	MemoryContextSwitchTo(old);
	return copy;
}

/* A copy of a schedule in cxt. */
static PmTiers *
tiers_copy_to(MemoryContext cxt, PmTiers *t)
{
	PmTiers    *copy = MemoryContextAlloc(cxt, VARSIZE(t));

	memcpy(copy, t, VARSIZE(t));
	return copy;
}

/* Asset names: non-empty, not too long, valid in the database encoding. */
void
margin_check_asset_name(const char *name, int len)
{
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("asset name must not be empty")));
	if (len > PM_ASSET_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("asset name is too long"),
				 errdetail("It has %d bytes; at most %d are allowed.", len, PM_ASSET_NAME_MAX)));
	if (memchr(name, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("asset name must not contain NUL bytes")));
	pg_verifymbstr(name, len, false);
}

/* An index price is finite and above zero. */
void
margin_check_price(const char *name, int name_len, Numeric price)
{
	if (pm_numeric_is_special(price) || pm_numeric_sign(price) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("index price of asset %s must be positive and finite", pm_excerpt(name, name_len)),
				 errdetail("The price given is %s.", pm_numeric_excerpt(price))));
}

/* The names of a line's four amounts, for messages. */
static const char *const amount_names[] = {"equity", "maint_margin", "initial_margin", "open_loss"};

/* One line's amounts: equity finite; margins and open loss finite and >= 0. */
void
margin_check_amounts(const char *name, int name_len,
					 Numeric equity, Numeric maint_margin,
					 Numeric initial_margin, Numeric open_loss)
{
	Numeric		values[] = {equity, maint_margin, initial_margin, open_loss};
	PmVal		v[4];
	const PmVal *p[4];
	int			i;

	for (i = 0; i < 4; i++)
	{
		p[i] = NULL;
		if (values[i] != NULL)
		{
			v[i] = pmv_numeric(values[i]);
			p[i] = &v[i];
		}
	}
	margin_check_amount_values(name, name_len, p);
}

/* The same checks on values (NULL pointers are absent amounts). */
void
margin_check_amount_values(const char *name, int name_len, const PmVal *const values[4])
{
	int			i;

	for (i = 0; i < 4; i++)
	{
		const PmVal *v = values[i];

		if (v == NULL)
			continue;
		if (!v->is_dec && pm_numeric_is_special(v->n))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s of asset %s must be a finite number", amount_names[i], pm_excerpt(name, name_len)),
					 errdetail("The value given is %s.", pm_numeric_excerpt(v->n))));
		if (i > 0 && pmv_sign(*v) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s of asset %s must not be negative", amount_names[i], pm_excerpt(name, name_len)),
					 errdetail("The value given is %s.", pm_numeric_excerpt(pmv_to_numeric(*v)))));
	}
}

/* Rebuild the hash index with room for at least twice the assets. */
static void
rebuild_index(MarginAccum *st)
{
	int			nslots = 16;
	int			i;

	while (nslots < st->capacity * 2)
		nslots *= 2;
	if (st->slots)
		pfree(st->slots);
	st->slots = MemoryContextAllocZero(st->mcxt, sizeof(int) * nslots);
	st->nslots = nslots;
	for (i = 0; i < st->nassets; i++)
	{
		int			s = st->assets[i].hash & (nslots - 1);

		while (st->slots[s] != 0)
			s = (s + 1) & (nslots - 1);
		st->slots[s] = i + 1;
	}
}

/* The asset's entry, or NULL. */
static MarginAsset *
find_asset(MarginAccum *st, const char *name, int len, uint32 hash)
{
	int			i;

	if (st->nslots == 0)
	{
		for (i = 0; i < st->nassets; i++)
		{
			MarginAsset *a = &st->assets[i];

			/* a cache's name is the same pointer each time */
			if (a->name == name ||
				(a->hash == hash && a->name_len == len && memcmp(a->name, name, len) == 0))
				return a;
		}
		return NULL;
	}
	for (i = hash & (st->nslots - 1);; i = (i + 1) & (st->nslots - 1))
	{
		MarginAsset *a;

		if (st->slots[i] == 0)
			return NULL;
		a = &st->assets[st->slots[i] - 1];
		if (a->hash == hash && a->name_len == len && memcmp(a->name, name, len) == 0)
			return a;
	}
}

/*
 * A new, empty entry for an asset known not to be in the accumulator.
 * With ref, the name and price are the caller's (see MarginAssetRef); else
 * copied.
 */
static MarginAsset *
new_asset(MarginAccum *st, const char *name, int len, uint32 hash,
		  Numeric price, PmTiers *collateral, const MarginAssetRef *ref)
{
	MarginAsset *a;

	if (st->nassets >= PM_MARGIN_MAX_ASSETS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many assets in one group"),
				 errdetail("At most %d assets are supported.", PM_MARGIN_MAX_ASSETS)));
	if (st->nassets == st->capacity)
	{
		st->capacity *= 2;
		st->assets = repalloc(st->assets, sizeof(MarginAsset) * st->capacity);
		if (st->nslots > 0)
			rebuild_index(st);
	}
	a = &st->assets[st->nassets++];
	memset(a, 0, sizeof(MarginAsset));
	a->name_len = len;
	a->hash = hash;
	if (ref != NULL)
	{
		a->name = (char *) ref->name;
		a->price = ref->price;
		a->price_val = ref->price_val;
		a->price_borrowed = true;
		a->owner = ref->owner;
	}
	else
	{
		a->name = MemoryContextAlloc(st->mcxt, len + 1);
		memcpy(a->name, name, len);
		a->name[len] = '\0';
		a->price = numeric_copy_to(st->mcxt, price);
		a->price_val = pmv_numeric(a->price);
	}
	if (collateral != NULL)
	{
		pm_check_collateral_schedule(collateral);
		a->collateral = tiers_copy_to(st->mcxt, collateral);
	}

	if (st->nslots > 0)
	{
		int			s = hash & (st->nslots - 1);

		while (st->slots[s] != 0)
			s = (s + 1) & (st->nslots - 1);
		st->slots[s] = st->nassets;
	}
	else if (st->nassets > PM_LINEAR_MAX)
		rebuild_index(st);
	return a;
}

/*
 * An asset's price agrees with a line's when equal by value.  Of two ways of
 * writing the same price the one with more decimals is kept, so the result
 * does not depend on which line came first.
 */
static void
reconcile_price(MarginAccum *st, MarginAsset *a, Numeric price, const MarginAssetRef *ref)
{
	if (a->price == price)
		return;
	if (VARSIZE(a->price) == VARSIZE_ANY(price) &&
		memcmp(VARDATA(a->price), VARDATA_ANY(price), VARSIZE_ANY_EXHDR(price)) == 0)
		return;
	if (pm_cmp(a->price, price) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("asset %s has two different index prices in one group", pm_excerpt(a->name, a->name_len)),
				 errdetail("One line gives %s, another %s.",
						   pm_numeric_excerpt(a->price), pm_numeric_excerpt(price)),
				 errhint("All lines of an asset within one account must carry the same index price; check the join that supplies prices.")));
	if (pm_numeric_dscale(price) > pm_numeric_dscale(a->price))
	{
		if (!a->price_borrowed)
			pfree(a->price);
		if (ref != NULL)
		{
			a->price = ref->price;
			a->price_val = ref->price_val;
			a->price_borrowed = true;
		}
		else
		{
			a->price = numeric_copy_to(st->mcxt, price);
			a->price_val = pmv_numeric(a->price);
			a->price_borrowed = false;
		}
	}
}

/* Byte order of two schedules' stored forms: a canonical tie-break. */
static int
tiers_bytes_cmp(PmTiers *x, PmTiers *y)
{
	if (VARSIZE(x) != VARSIZE(y))
		return VARSIZE(x) < VARSIZE(y) ? -1 : 1;
	return memcmp(x, y, VARSIZE(x));
}

/* Schedules agree when both are absent or both equal by value. */
static void
reconcile_collateral(MarginAccum *st, MarginAsset *a, PmTiers *collateral)
{
	if (a->collateral == NULL && collateral == NULL)
		return;
	if (a->collateral != NULL && collateral != NULL &&
		tiers_bytes_cmp(a->collateral, collateral) == 0)
		return;
	if (a->collateral == NULL || collateral == NULL ||
		pm_tiers_compare(a->collateral, collateral) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("asset %s has two different collateral schedules in one group", pm_excerpt(a->name, a->name_len)),
				 errdetail("One line gives %s, another %s.",
						   a->collateral ? psprintf("'%s'", pm_tiers_to_cstring(a->collateral)) : "none",
						   collateral ? psprintf("'%s'", pm_tiers_to_cstring(collateral)) : "none"),
				 errhint("All lines of an asset within one account must carry the same collateral schedule; NULL means the asset is not collateral.")));
	if (tiers_bytes_cmp(collateral, a->collateral) < 0)
	{
		pfree(a->collateral);
		a->collateral = tiers_copy_to(st->mcxt, collateral);
	}
}

/*
 * The entry of an asset, made on first sight, and checked against the
 * price and schedule every line of the asset must agree on.  The caller has
 * checked the name and the price.
 */
static MarginAsset *
state_asset(MarginAccum *st, const char *name, int name_len, uint32 hash,
			Numeric price, PmTiers *collateral, const MarginAssetRef *ref)
{
	MarginAsset *a = find_asset(st, name, name_len, hash);

	if (a == NULL)
		return new_asset(st, name, name_len, hash, price, collateral, ref);
	reconcile_price(st, a, price, ref);
	reconcile_collateral(st, a, collateral);
	return a;
}

/*
 * The accumulator's entry of asset name, made if new, else checked against
 * price and collateral.  The caller has checked the name and the price.
 */
MarginAsset *
margin_accum_asset(MarginAccum *st, const char *name, int name_len,
				   Numeric price, PmTiers *collateral)
{
	return state_asset(st, name, name_len,
					   DatumGetUInt32(hash_any((const unsigned char *) name, name_len)),
					   price, collateral, NULL);
}

/*
 * Add one asset's amounts to the accumulator.  The caller has checked the name,
 * the price and the amounts; NULL amounts count as zero.
 */
void
margin_accum_add(MarginAccum *st, const char *name, int name_len,
				 Numeric price, PmTiers *collateral,
				 const PmVal *equity, const PmVal *maint_margin,
				 const PmVal *initial_margin, const PmVal *open_loss)
{
	MarginAsset *a = margin_accum_asset(st, name, name_len, price, collateral);

	if (equity != NULL)
		pm_sum_add_val(st->mcxt, &a->equity, equity);
	if (maint_margin != NULL)
		pm_sum_add_val(st->mcxt, &a->maint_margin, maint_margin);
	if (initial_margin != NULL)
		pm_sum_add_val(st->mcxt, &a->initial_margin, initial_margin);
	if (open_loss != NULL)
		pm_sum_add_val(st->mcxt, &a->open_loss, open_loss);
}

/* Absent or exactly zero: contributes nothing. */
static bool
is_zero(const PmVal *v)
{
	if (v == NULL)
		return true;
	if (!v->is_dec && pm_numeric_is_special(v->n))
		return false;
	return pmv_sign(*v) == 0;
}

/*
 * acc += x: the fast-path case inline (most lines), anything else by
 * pm_sum_add_val -- the same sum either way.
 */
static inline void
acc_add(MemoryContext mcxt, PmSum *acc, const PmVal *x)
{
	if (x->is_dec && !acc->is_numeric)
	{
		if (!acc->is_set)
		{
			acc->dec = x->d;
			acc->is_set = true;
			return;
		}
		if (pm_dec_add(acc->dec, x->d, &acc->dec))
			return;
	}
	pm_sum_add_val(mcxt, acc, x);
}

/*
 * The checks of a margin line before it is added: false when every amount
 * is zero (or absent), so there is nothing to add and nothing is checked;
 * else an error for a missing asset name or price, a bad name or amount,
 * and true.  The price itself is checked where it is taken (add_line).
 */
bool
margin_check_line(const char *name, int name_len,
				  const PmVal *equity, const PmVal *maint_margin,
				  const PmVal *initial_margin, const PmVal *open_loss, Numeric price)
{
	const PmVal *const amounts[4] = {equity, maint_margin, initial_margin, open_loss};

	if (is_zero(equity) && is_zero(maint_margin) && is_zero(initial_margin) && is_zero(open_loss))
		return false;
	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a margin line with amounts has no asset"),
				 errdetail("The line has equity %s and maintenance margin %s.",
						   equity ? pm_numeric_excerpt(pmv_to_numeric(*equity)) : "NULL",
						   maint_margin ? pm_numeric_excerpt(pmv_to_numeric(*maint_margin)) : "NULL")));
	if (name_len == 0 || name_len > PM_ASSET_NAME_MAX)
		margin_check_asset_name(name, name_len);
	margin_check_amount_values(name, name_len, amounts);
	if (price == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("missing index price for asset %s", pm_excerpt(name, name_len)),
				 maint_margin != NULL
				 ? errdetail("A line of %s with equity %s and maintenance margin %s has no index price.",
							 pm_excerpt(name, name_len),
							 equity ? pm_numeric_excerpt(pmv_to_numeric(*equity)) : "NULL",
							 pm_numeric_excerpt(pmv_to_numeric(*maint_margin)))
				 : errdetail("A line of %s with equity %s has no index price.",
							 pm_excerpt(name, name_len),
							 equity ? pm_numeric_excerpt(pmv_to_numeric(*equity)) : "NULL"),
				 errhint("Every asset an account holds, owes or settles in needs an index price.")));
	return true;
}

/*
 * One margin line as pm.margin takes it -- the one place its rules live.
 * Amounts may be absent (NULL).  A line whose amounts are all zero or
 * absent changes nothing and needs neither an asset nor a price; any other
 * line needs both, finite amounts, margins and open loss >= 0, a positive
 * price, and agreement with the asset's other lines on price and schedule.
 * name may be NULL (no asset).
 */
static void
add_line(MarginAccum *st, const char *name, int name_len,
		 const PmVal *equity, const PmVal *maint_margin,
		 const PmVal *initial_margin, const PmVal *open_loss,
		 Numeric price, PmTiers *collateral, const MarginAssetRef *ref)
{
	const PmVal *const amounts[4] = {equity, maint_margin, initial_margin, open_loss};
	MarginAsset *a;
	int			i;

	if (!margin_check_line(name, name_len, equity, maint_margin, initial_margin, open_loss, price))
		return;
	/* a caller's price already taken for this asset was checked then */
	a = ref != NULL ? find_asset(st, name, name_len, ref->hash) : NULL;
	if (a != NULL && a->price == price)
		reconcile_collateral(st, a, collateral);
	else
	{
		margin_check_price(name, name_len, price);
		if (ref == NULL)
			a = margin_accum_asset(st, name, name_len, price, collateral);
		else if (a == NULL)
			a = new_asset(st, name, name_len, ref->hash, price, collateral, ref);
		else
		{
			reconcile_price(st, a, price, ref);
			reconcile_collateral(st, a, collateral);
		}
	}
	for (i = 0; i < 4; i++)
		if (amounts[i] != NULL)
			acc_add(st->mcxt, i == 0 ? &a->equity : i == 1 ? &a->maint_margin :
					i == 2 ? &a->initial_margin : &a->open_loss, amounts[i]);
}

/* A line whose asset name and price are copied in (pm.margin's rows). */
void
margin_add_line(MarginAccum *st, const char *name, int name_len,
				const PmVal *equity, const PmVal *maint_margin,
				const PmVal *initial_margin, const PmVal *open_loss,
				Numeric price, PmTiers *collateral)
{
	add_line(st, name, name_len, equity, maint_margin, initial_margin, open_loss,
			 price, collateral, NULL);
}

/* The accumulator's entry of the asset ref names, or NULL. */
MarginAsset *
margin_accum_find_ref(MarginAccum *st, const MarginAssetRef *ref)
{
	return find_asset(st, ref->name, ref->len, ref->hash);
}

/*
 * A line of the asset ref names, its name and price used in place; no
 * collateral schedule yet (ledger_set_collateral gives it later).
 */
void
margin_add_line_ref(MarginAccum *st, const MarginAssetRef *ref,
					const PmVal *equity, const PmVal *maint_margin,
					const PmVal *initial_margin, const PmVal *open_loss)
{
	add_line(st, ref->name, ref->len, equity, maint_margin, initial_margin, open_loss,
			 ref->price, NULL, ref);
}

/* dst += src, asset by asset, as if src's lines had been added to dst. */
void
margin_accum_combine(MarginAccum *dst, MarginAccum *src)
{
	int			i;

	for (i = 0; i < src->nassets; i++)
	{
		MarginAsset *a = &src->assets[i];
		MarginAsset *d = margin_accum_asset(dst, a->name, a->name_len, a->price, a->collateral);

		CHECK_FOR_INTERRUPTS();
		pm_sum_combine(dst->mcxt, &d->equity, &a->equity);
		pm_sum_combine(dst->mcxt, &d->maint_margin, &a->maint_margin);
		pm_sum_combine(dst->mcxt, &d->initial_margin, &a->initial_margin);
		pm_sum_combine(dst->mcxt, &d->open_loss, &a->open_loss);
	}
}

/* qsort order of asset pointers: by name, in byte order. */
static int
asset_name_cmp(const void *x, const void *y)
{
	const MarginAsset *a = *(MarginAsset *const *) x;
	const MarginAsset *b = *(MarginAsset *const *) y;

	return strcmp(a->name, b->name);
}

/* The assets in byte order of their names: the canonical order of output. */
MarginAsset **
margin_accum_sorted(MarginAccum *st)
{
	MarginAsset **sorted = palloc(sizeof(MarginAsset *) * Max(st->nassets, 1));
	int			i;

	for (i = 0; i < st->nassets; i++)
		sorted[i] = &st->assets[i];
	qsort(sorted, st->nassets, sizeof(MarginAsset *), asset_name_cmp);
	return sorted;
}

/*
 * The binary form, shared by pm.margin_summary's send/recv and the
 * aggregate's serialize/deserialize:
 *
 *	  uint8   PM_MARGIN_BINARY_VERSION
 *	  int32   number of assets, then per asset in name order:
 *	  int32   name length, name bytes
 *	  numeric index price, equity, maint_margin, initial_margin, open_loss
 *	  uint8   1 if a collateral schedule follows (pm.tiers binary form), else 0
 */
void
margin_accum_send(StringInfo buf, MarginAccum *st)
{
	MarginAsset **sorted = margin_accum_sorted(st);
	int			i;

	pq_sendbyte(buf, PM_WIRE_MARGIN_VERSION);
	pq_sendint32(buf, st->nassets);
	for (i = 0; i < st->nassets; i++)
	{
		MarginAsset *a = sorted[i];

		CHECK_FOR_INTERRUPTS();
		pq_sendint32(buf, a->name_len);
		pq_sendbytes(buf, a->name, a->name_len);
		pm_send_numeric(buf, a->price);
		pm_send_numeric(buf, pm_sum_value(&a->equity));
		pm_send_numeric(buf, pm_sum_value(&a->maint_margin));
		pm_send_numeric(buf, pm_sum_value(&a->initial_margin));
		pm_send_numeric(buf, pm_sum_value(&a->open_loss));
		pq_sendbyte(buf, a->collateral != NULL);
		if (a->collateral != NULL)
			pm_tiers_send_internal(buf, a->collateral);
	}
	pfree(sorted);
}

/* What the reader's visitor needs to build an accumulator. */
typedef struct MarginRecv
{
	MarginAccum *st;
	TiersRecv	tiers;			/* the schedule of the asset being read */
} MarginRecv;

/* An asset's collateral schedule begins: ntiers tiers follow. */
static int
margin_recv_tiers_begin(void *ctx, int32_t ntiers)
{
	return pm_tiers_recv_begin(&((MarginRecv *) ctx)->tiers, ntiers);
}

/* One tier of that schedule, collected until the asset itself is read. */
static int
margin_recv_tier(void *ctx, int32_t i, const pm_wire_numeric *floor,
				 const pm_wire_numeric *rate)
{
	return pm_tiers_recv_tier(&((MarginRecv *) ctx)->tiers, i, floor, rate);
}

/* One asset, its bytes checked: check its values, add it to the accumulator. */
static int
margin_recv_asset(void *ctx, int32_t index, const pm_wire_asset *a)
{
	MarginRecv *mr = ctx;
	Numeric		price = pm_wire_numeric_value(&a->values[PM_WIRE_PRICE]);
	Numeric		n[4];
	PmVal		v[4];
	PmTiers    *collateral = NULL;
	int			k;

	margin_check_asset_name(a->name, (int) a->name_len);
	margin_check_price(a->name, (int) a->name_len, price);
	for (k = 0; k < 4; k++)
		n[k] = pm_wire_numeric_value(&a->values[PM_WIRE_EQUITY + k]);
	margin_check_amounts(a->name, (int) a->name_len, n[0], n[1], n[2], n[3]);
	for (k = 0; k < 4; k++)
		v[k] = pmv_numeric(n[k]);
	if (a->has_collateral)
		collateral = pm_tiers_build(mr->tiers.floors, mr->tiers.rates, mr->tiers.ntiers);
	margin_accum_add(mr->st, pnstrdup(a->name, a->name_len), (int) a->name_len,
					 price, collateral, &v[0], &v[1], &v[2], &v[3]);
	return 0;
}

/*
 * Read the binary form (see margin_accum_send) into a new accumulator in mcxt,
 * advancing buf's cursor past it.  src/core/wire.c checks every length
 * against what remains and that names are unique and in order; the visitor
 * checks every value against the rules a line must satisfy.
 */
MarginAccum *
margin_accum_recv(StringInfo buf, MemoryContext mcxt, const char *type_name)
{
	MarginRecv	mr = {0};
	pm_wire_visitor v = {margin_recv_tiers_begin, margin_recv_tier, NULL,
	margin_recv_asset, &mr};
	pm_wire_error err;
	size_t		used;

	mr.st = margin_accum_create(mcxt);
	if (pm_wire_read_margin(PM_WIRE_UNREAD(buf), PM_WIRE_UNREAD_LEN(buf),
							&used, &v, &err) != PM_WIRE_OK)
		pm_wire_raise(&err, type_name, NULL);
	buf->cursor += (int) used;
	return mr.st;
}
