/*-------------------------------------------------------------------------
 *
 * json_keys.h
 *	  Refuse JSON objects that repeat a key.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_JSON_KEYS_H
#define PM_JSON_KEYS_H

extern void pm_json_check_unique_keys(const char *json, int len, const char *what);

#endif							/* PM_JSON_KEYS_H */
