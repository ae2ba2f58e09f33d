/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Every difference between the PostgreSQL versions we build on
 *	  (13 to 17) lives here, so the rest of the code reads as one version.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_COMPAT_H
#define PM_COMPAT_H

#if PG_VERSION_NUM < 130000
#error "portfolio_margin needs PostgreSQL 13 or later"
#endif

/*
 * hash_combine() lives in common/hashfn.h from PostgreSQL 13 on; older
 * releases are not supported, so one include serves every version.
 */
#include "common/hashfn.h"

/*
 * PostgreSQL 14 added numeric infinities.  On 13 the only special numeric
 * value is NaN, which our header check (number.h) already treats
 * as special, so nothing else is needed for infinities there.
 */

/*
 * PostgreSQL 16 moved the varlena macros (VARDATA, VARSIZE, VARATT_IS_1B,
 * SET_VARSIZE, ...) out of postgres.h into varatt.h, which postgres.h does
 * not include.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * PostgreSQL 17 dropped c.h's Abs(); the same macro, for every version.
 */
#ifndef Abs
#define Abs(x) ((x) >= 0 ? (x) : -(x))
#endif

/*
 * The JSON parser's API (common/jsonapi.h): PostgreSQL 16 made semantic
 * actions return an error code; 17 made the caller own the lexer.
 */
#if PG_VERSION_NUM >= 160000
#define PM_JSON_ACTION JsonParseErrorType
#define PM_JSON_ACTION_DONE return JSON_SUCCESS
#else
#define PM_JSON_ACTION void
#define PM_JSON_ACTION_DONE return
#endif

#if PG_VERSION_NUM >= 170000
#define PM_JSON_LEX_DECLARE(lex, json, len) \
	JsonLexContext lex##_data; \
	JsonLexContext *lex = makeJsonLexContextCstringLen(&lex##_data, (char *) (json), (len), \
													   GetDatabaseEncoding(), true)
#else
#define PM_JSON_LEX_DECLARE(lex, json, len) \
	JsonLexContext *lex = makeJsonLexContextCstringLen((char *) (json), (len), \
													   GetDatabaseEncoding(), true)
#endif

/*
 * The relation's file number: PostgreSQL 16 renamed RelFileNode to
 * RelFileLocator.
 */
#if PG_VERSION_NUM >= 160000
#define PM_REL_FILENUMBER(rel) ((uint32) (rel)->rd_locator.relNumber)
#else
#define PM_REL_FILENUMBER(rel) ((uint32) (rel)->rd_node.relNode)
#endif

/*
 * Custom paths (ledger_merge_plan.c).  PostgreSQL 15 added the flag a
 * custom path sets to say its node projects; before, every custom scan was
 * taken to project.  A pathkey's direction is its btree strategy on 13 to
 * 17.
 */
#ifdef CUSTOMPATH_SUPPORT_PROJECTION
#define PM_CUSTOMPATH_PROJECTS CUSTOMPATH_SUPPORT_PROJECTION
#else
#define PM_CUSTOMPATH_PROJECTS 0
#endif
#define PM_PATHKEY_DESCENDING(pk) ((pk)->pk_strategy == BTGreaterStrategyNumber)

/*
 * The backend's local transaction id: PostgreSQL 17 moved it into
 * PGPROC's vxid.
 */
#if PG_VERSION_NUM >= 170000
#define PM_MY_LXID (MyProc->vxid.lxid)
#else
#define PM_MY_LXID (MyProc->lxid)
#endif

/*
 * Reserving the portfolio_margin. prefix: PostgreSQL 15 made a misspelt
 * setting under a reserved prefix an error; before, the same call only
 * warns about placeholders already set.
 */
#if PG_VERSION_NUM >= 150000
#define PM_RESERVE_GUC_PREFIX(prefix) MarkGUCPrefixReserved(prefix)
#else
#define PM_RESERVE_GUC_PREFIX(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

#endif							/* PM_COMPAT_H */
