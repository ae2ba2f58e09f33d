/*-------------------------------------------------------------------------
 *
 * restore.h
 *	  Whether this session is loading a dump (restore.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_RESTORE_H
#define PM_RESTORE_H

extern bool pm_session_restoring(void);

#endif							/* PM_RESTORE_H */
