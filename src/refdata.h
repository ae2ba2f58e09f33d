/*-------------------------------------------------------------------------
 *
 * refdata.h
 *	  The query's reference data: the small reference tables -- pm.asset,
 *	  pm.collateral, pm.symbol, pm.loan_mmr -- read once per query into hash
 *	  tables, so the ledger aggregates need no joins.
 *
 * Read with SPI under the query's snapshot and the caller's privileges, by
 * plain scans (no operators, nothing the search_path could redirect).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_REFDATA_H
#define PM_REFDATA_H

#include "fmgr.h"
#include "utils/numeric.h"

#include "number.h"
#include "tiers.h"

typedef struct AssetInfo
{
	char	   *name;
	int			len;
	uint32		hash;
	Numeric		price;			/* NULL when pm.asset has none */
	PmVal		price_val;		/* price decoded, when there is one */
	PmTiers    *collateral_pm;	/* NULL: not collateral in PM */
	PmTiers    *collateral_pm_pro;	/* NULL: not collateral in PM_PRO */
} AssetInfo;

typedef struct SymbolInfo
{
	char	   *name;
	int			len;
	uint32		hash;
	bool		is_cm;
	AssetInfo  *base;			/* its mark moves with this asset's index */
	AssetInfo  *settle;
	PmVal		contract_size;	/* CM only */
	PmVal		mark;
	PmTiers    *brackets;
} SymbolInfo;

typedef struct RefData
{
	int			nassets;
	AssetInfo  *assets;
	int		   *asset_slots;
	int			nsymbols;
	SymbolInfo *symbols;
	int		   *symbol_slots;
	int			nslots;			/* slots in each index, power of two */
	int			nloan;
	int32	   *loan_leverage;
	Numeric    *loan_mmr;
} RefData;

extern RefData *refdata_get(FmgrInfo *flinfo);
extern RefData *refdata_get_in(void **slot, MemoryContext mcxt);
extern AssetInfo *refdata_asset(RefData *c, const char *name, int len);
extern SymbolInfo *refdata_symbol(RefData *c, const char *name, int len);
extern Numeric refdata_loan_mmr(RefData *c, int32 leverage);
extern PmTiers *asset_collateral(AssetInfo *a, bool pm_program);

#endif							/* PM_REFDATA_H */
