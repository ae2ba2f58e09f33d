/*-------------------------------------------------------------------------
 *
 * tiers_binance.c
 *	  pm.tiers_from_binance(jsonb): a schedule from Binance's own answer.
 *
 * Accepted, for one symbol or asset, as the object or as the one-element
 * array the API returns:
 *
 *	  USD-M  GET /fapi/v1/leverageBracket   {"symbol", "brackets": [{"notionalFloor", "maintMarginRatio", "cum", ...}]}
 *	  COIN-M GET /dapi/v2/leverageBracket   {"symbol"|"pair", "brackets": [{"qtyFloor", "maintMarginRatio", "cum", ...}]}
 *	  PM Pro tiered collateral rates        {"asset", "collateralInfo": [{"tierFloor", "collateralRate", "cum", ...}]}
 *
 * Numbers may be JSON numbers or strings, brackets in any order.  Where a
 * bracket carries Binance's cum we check it against the one the floors and
 * rates give (for collateral Binance's cum is the negative of ours), to the
 * precision Binance printed it with, and name the bracket on a mismatch.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "compat.h"
#include "excerpt.h"
#include "number.h"
#include "tiers.h"

PG_FUNCTION_INFO_V1(pm_tiers_from_binance);

/* Which kind of answer: the keys its brackets use. */
typedef struct BinanceKind
{
	const char *list_key;		/* "brackets" or "collateralInfo" */
	const char *floor_key;
	const char *cap_key;
	const char *rate_key;
	bool		cum_negated;	/* Binance's cum is -ours */
} BinanceKind;

static const BinanceKind kinds[] = {
	{"brackets", "notionalFloor", "notionalCap", "maintMarginRatio", false},
	{"brackets", "qtyFloor", "qtyCap", "maintMarginRatio", false},
	{"collateralInfo", "tierFloor", "tierCap", "collateralRate", true},
};

/* One bracket as read from the JSON. */
typedef struct BinanceBracket
{
	char	   *label;			/* "bracket 3" for messages */
	Numeric		floor;
	Numeric		rate;
	Numeric		cap;			/* NULL when absent */
	Numeric		cum;			/* NULL when absent */
} BinanceBracket;

/* Name of the symbol or asset, for messages; "" when the JSON has none. */
static char *
answer_name(JsonbContainer *obj)
{
	static const char *const keys[] = {"symbol", "pair", "asset"};
	int			i;

	for (i = 0; i < lengthof(keys); i++)
	{
		JsonbValue	v;

		if (getKeyJsonValueFromContainer(obj, keys[i], strlen(keys[i]), &v) &&
			v.type == jbvString)
			return psprintf(" of %s", pm_excerpt(v.val.string.val, v.val.string.len));
	}
	return "";
}

/* A number given as a JSON number or as a string holding a decimal. */
static Numeric
json_number(JsonbValue *v, const char *label, const char *name, const char *key)
{
	Numeric		n = pm_numeric_from_json(v);

	if (n != NULL)
		return n;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s%s has a \"%s\" that is not a finite number", label, name, key),
			 errhint("Binance gives numbers as JSON numbers or as strings such as \"0.004\".")));
	return NULL;				/* keep compiler quiet */
}

/* Optional numeric field of a bracket object; NULL when absent or null. */
static Numeric
bracket_field(JsonbContainer *obj, const char *key, bool required,
			  const char *label, const char *name)
{
	JsonbValue	v;

	if (getKeyJsonValueFromContainer(obj, key, strlen(key), &v) == NULL ||
		v.type == jbvNull)
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s%s has no \"%s\"", label, name, key)));
		return NULL;
	}
	return json_number(&v, label, name, key);
}

/* Which kind of bracket list this is, from the keys of its first bracket. */
static const BinanceKind *
detect_kind(const char *list_key, JsonbContainer *first, const char *label,
			const char *name)
{
	int			i;

	for (i = 0; i < lengthof(kinds); i++)
	{
		JsonbValue	v;

		if (strcmp(kinds[i].list_key, list_key) == 0 &&
			getKeyJsonValueFromContainer(first, kinds[i].floor_key,
										 strlen(kinds[i].floor_key), &v))
			return &kinds[i];
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s%s has no floor", label, name),
			 errdetail("Brackets need \"notionalFloor\" (USD-M) or \"qtyFloor\" (COIN-M); collateral tiers need \"tierFloor\".")));
	return NULL;				/* keep compiler quiet */
}

/* qsort order of brackets: by floor, ascending. */
static int
bracket_floor_cmp(const void *a, const void *b)
{
	return pm_cmp(((const BinanceBracket *) a)->floor,
				  ((const BinanceBracket *) b)->floor);
}

/* Find the one symbol object in the answer. */
static JsonbContainer *
answer_object(Jsonb *jb)
{
	JsonbContainer *root = &jb->root;

	if (JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a Binance bracket answer must be an object or an array")));
	if (JsonContainerIsArray(root))
	{
		JsonbValue *elem;

		if (JsonContainerSize(root) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("expected the brackets of one symbol, got an array of %d elements",
							(int) JsonContainerSize(root)),
					 errhint("Pick one element first, for example answer -> 0 or jsonb_path_query_first(answer, '$[*] ? (@.symbol == \"BTCUSDT\")').")));
		elem = getIthJsonbValueFromContainer(root, 0);
		if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a Binance bracket answer must hold an object")));
		return elem->val.binary.data;
	}
	return root;
}

/* Say where a schedule rule broken by Binance's brackets comes from. */
static void
binance_build_context(void *arg)
{
	errcontext("Binance brackets%s, numbered as tiers in order of their floors",
			   (const char *) arg);
}

/* pm.tiers_from_binance(jsonb) */
Datum
pm_tiers_from_binance(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	JsonbContainer *obj = answer_object(jb);
	const char *name = answer_name(obj);
	const char *list_key = "brackets";
	const BinanceKind *kind;
	JsonbValue	list;
	BinanceBracket *br;
	Numeric    *floors;
	Numeric    *rates;
	PmTiers    *t;
	ErrorContextCallback errcallback;
	int			n;
	int			i;

	if (getKeyJsonValueFromContainer(obj, list_key, strlen(list_key), &list) == NULL)
	{
		list_key = "collateralInfo";
		if (getKeyJsonValueFromContainer(obj, list_key, strlen(list_key), &list) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the JSON%s has no \"brackets\" or \"collateralInfo\" array", name)));
	}
	if (list.type != jbvBinary || !JsonContainerIsArray(list.val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\"%s must be an array", list_key, name)));
	n = JsonContainerSize(list.val.binary.data);
	pm_tiers_check_count(n);

	br = palloc0(sizeof(BinanceBracket) * n);
	kind = NULL;
	for (i = 0; i < n; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(list.val.binary.data, i);
		JsonbContainer *b;
		JsonbValue	idv;

		if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("element %d of \"%s\"%s is not an object", i + 1, list_key, name)));
		b = elem->val.binary.data;

		/* Binance numbers its brackets; fall back to the position */
		if (getKeyJsonValueFromContainer(b, "bracket", 7, &idv) && idv.type == jbvNumeric)
			br[i].label = psprintf("bracket %s", pm_numeric_excerpt(idv.val.numeric));
		else
			br[i].label = psprintf("bracket %d", i + 1);
		if (kind == NULL)
			kind = detect_kind(list_key, b, br[i].label, name);

		br[i].floor = bracket_field(b, kind->floor_key, true, br[i].label, name);
		br[i].rate = bracket_field(b, kind->rate_key, true, br[i].label, name);
		br[i].cap = bracket_field(b, kind->cap_key, false, br[i].label, name);
		br[i].cum = bracket_field(b, "cum", false, br[i].label, name);
	}

	qsort(br, n, sizeof(BinanceBracket), bracket_floor_cmp);
	for (i = 1; i < n; i++)
	{
		if (pm_cmp(br[i].floor, br[i - 1].floor) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s and %s%s start at the same floor",
							br[i - 1].label, br[i].label, name),
					 errdetail("Both start at %s.", pm_numeric_excerpt(br[i].floor))));
		if (br[i - 1].cap != NULL && pm_cmp(br[i - 1].cap, br[i].floor) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s%s does not end where the next bracket starts",
							br[i - 1].label, name),
					 errdetail("It ends at %s, and %s starts at %s.",
							   pm_numeric_excerpt(br[i - 1].cap), br[i].label,
							   pm_numeric_excerpt(br[i].floor))));
	}

	floors = palloc(sizeof(Numeric) * n);
	rates = palloc(sizeof(Numeric) * n);
	for (i = 0; i < n; i++)
	{
		floors[i] = br[i].floor;
		rates[i] = br[i].rate;
	}
	errcallback.callback = binance_build_context;
	errcallback.arg = (void *) name;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	t = pm_tiers_build(floors, rates, n);
	error_context_stack = errcallback.previous;

	/* Binance's cum must agree with ours to the digits Binance printed */
	for (i = 0; i < n; i++)
	{
		Numeric		theirs = br[i].cum;
		Numeric		ours = PM_TIERS_CUM(t, i);
		Numeric		rounded;
		int32		scale;

		if (theirs == NULL)
			continue;
		pm_check_finite(theirs, "cum");
		if (kind->cum_negated)
			ours = pm_neg(ours);
		scale = DatumGetInt32(DirectFunctionCall1(numeric_scale, NumericGetDatum(theirs)));
		rounded = DatumGetNumeric(DirectFunctionCall2(numeric_round,
													  NumericGetDatum(ours),
													  Int32GetDatum(scale)));
		if (pm_cmp(rounded, theirs) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cum of %s%s does not match its floors and rates", br[i].label, name),
					 errdetail("Binance gives cum %s; the floors and rates give %s.",
							   pm_numeric_excerpt(theirs), pm_numeric_excerpt(ours)),
					 errhint("Binance derives cum as cum_j = cum_j-1 + floor_j * (rate_j - rate_j-1); check the floors and rates of this and the lower brackets.")));
	}
	PG_RETURN_PMTIERS(t);
}
