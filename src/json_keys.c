/*-------------------------------------------------------------------------
 *
 * json_keys.c
 *	  Refuse JSON objects that repeat a key.
 *
 * jsonb keeps the last of two equal keys, so {"equity": 1, "equity": 2}
 * would silently become an equity of 2.  Our text inputs (pm.margin_summary
 * and pm.tiers_from_binance) read through jsonb, so they first run the text
 * through the JSON parser with this check: keys are compared after their
 * escapes are resolved, so "equit\u0079" is "equity".
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "nodes/pg_list.h"

#include "compat.h"
#include "excerpt.h"
#include "json_keys.h"

typedef struct KeyCheck
{
	List	   *stack;			/* per open object: a List of its keys */
	const char *what;
} KeyCheck;

/* An object opens: a new, empty list of its keys. */
static PM_JSON_ACTION
keys_object_start(void *state)
{
	KeyCheck   *kc = state;

	kc->stack = lcons(NIL, kc->stack);
	PM_JSON_ACTION_DONE;
}

/* An object closes: forget its keys. */
static PM_JSON_ACTION
keys_object_end(void *state)
{
	KeyCheck   *kc = state;

	list_free_deep(linitial(kc->stack));
	kc->stack = list_delete_first(kc->stack);
	PM_JSON_ACTION_DONE;
}

/* A key of the innermost object: refuse it if the object had it already. */
static PM_JSON_ACTION
keys_field_start(void *state, char *fname, bool isnull)
{
	KeyCheck   *kc = state;
	List	   *keys = linitial(kc->stack);
	ListCell   *lc;

	foreach(lc, keys)
	{
		if (strcmp(lfirst(lc), fname) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for %s", kc->what),
					 errdetail("The key \"%s\" appears twice in one object.", pm_excerpt(fname, strlen(fname)))));
	}
	linitial(kc->stack) = lappend(keys, fname);
	PM_JSON_ACTION_DONE;
}

/*
 * Error out when an object in json repeats a key.  The text must already be
 * valid JSON (the caller has parsed it); what names the input in messages.
 */
void
pm_json_check_unique_keys(const char *json, int len, const char *what)
{
	KeyCheck	kc = {NIL, what};
	JsonSemAction sem = {0};
	JsonParseErrorType result;
	PM_JSON_LEX_DECLARE(lex, json, len);

	sem.semstate = &kc;
	sem.object_start = keys_object_start;
	sem.object_end = keys_object_end;
	sem.object_field_start = keys_field_start;
	result = pg_parse_json(lex, &sem);
	if (result != JSON_SUCCESS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for %s", what),
				 errdetail("The text is not valid JSON.")));
}
